import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** The `sha256:` digest of bytes. */
export function sha256Digest(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** Raised when content does not hash to the digest it was published under. */
export class DigestMismatchError extends Error {
  override readonly name = 'DigestMismatchError';
  constructor(
    readonly expected: string,
    readonly actual: string,
    what: string,
  ) {
    super(
      `${what} hashes to ${actual}, not to ${expected}: the source is corrupt or changed while it was read`,
    );
  }
}

/**
 * A pass-through stream that hashes and counts what flows through it. The hash state can be
 * seeded (a copy taken at an acknowledged chunk boundary) so a resumed upload still verifies the
 * whole blob.
 */
export class HashingStream extends Transform {
  readonly hash: Hash;
  bytes: number;

  constructor(
    seed?: { hash: Hash; bytes: number },
    private readonly onBytes?: (n: number) => void,
  ) {
    super({ highWaterMark: 1 << 20 });
    this.hash = seed ? seed.hash.copy() : createHash('sha256');
    this.bytes = seed?.bytes ?? 0;
  }

  private expectedEnd: number | undefined;
  private expectedDigest: string | undefined;
  private what = 'the content';

  /**
   * Makes the stream fail when more or fewer than `end` bytes (counted from the start of the
   * blob) pass, or when they do not hash to `digest`: the error ends the request before the
   * registry could commit wrong content.
   */
  expect(end: number, digest: string | undefined, what: string): this {
    this.expectedEnd = end;
    this.expectedDigest = digest;
    this.what = what;
    return this;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.expectedEnd !== undefined && this.bytes > this.expectedEnd) {
      done(new Error(`${this.what} is longer than the ${this.expectedEnd} bytes its descriptor gives`));
      return;
    }
    this.onBytes?.(chunk.length);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.expectedEnd !== undefined && this.bytes !== this.expectedEnd) {
      done(
        new Error(`${this.what} ended after ${this.bytes} bytes; its descriptor gives ${this.expectedEnd}`),
      );
      return;
    }
    if (this.expectedDigest !== undefined) {
      const actual = this.digest();
      if (actual !== this.expectedDigest) {
        done(new DigestMismatchError(this.expectedDigest, actual, this.what));
        return;
      }
    }
    done();
  }

  /** The digest of everything seen so far, without ending the hash. */
  digest(): string {
    return 'sha256:' + this.hash.copy().digest('hex');
  }
}
