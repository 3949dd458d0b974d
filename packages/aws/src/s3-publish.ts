import { createHash } from 'node:crypto';
import type { ObjectCannedACL } from '@aws-sdk/client-s3';
import { ActionError, type Logger } from '@slipway/action-kit';
import { createS3Client, type S3Handle } from './s3-client.ts';
import {
  explainS3Error,
  isConditionalConflict,
  isNotFound,
  isPreconditionFailed,
  type S3Operation,
} from './s3-errors.ts';
import { addRelease, parseLedger, serializeLedger, type Ledger, type LedgerRelease } from './s3-ledger.ts';

/** Server-side encryption of every object written. */
export type SseMode = 'AES256' | 'aws:kms' | 'none';

/** Where and how releases are stored. */
export interface ReleaseStoreOptions {
  bucket: string;
  /** Key prefix without leading or trailing `/` (`project/environment`). */
  prefix: string;
  region: string;
  sse: SseMode;
  kmsKeyId?: string;
  /** A canned ACL, only when the user asked for one; nothing is sent otherwise. */
  acl?: ObjectCannedACL;
  log: Logger;
}

/** An object to write. */
export interface ObjectToPut {
  key: string;
  body: Uint8Array;
  contentType: string;
  /** User metadata (`x-amz-meta-*`); ASCII values. */
  metadata: Record<string, string>;
  cacheControl?: string;
}

/** An object as stored. */
export interface StoredObject {
  key: string;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  size: number;
  versionId?: string;
  etag?: string;
  /** The encryption S3 reported. */
  sse?: string;
  /** True when an identical object was already there (an immutable key written before). */
  unchanged: boolean;
}

/** The metadata key holding the hex SHA-256 of an object's bytes. */
export const CONTENT_SHA256 = 'content-sha256';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Releases of one project and environment in S3: `<prefix>/releases/<version>/…` (immutable),
 * the stable artifact key, and the `<prefix>/releases.json` ledger. Every S3 call it makes is
 * one of PutObject, GetObject, HeadObject or GetBucketVersioning, so a policy granting
 * s3:PutObject, s3:GetObject and s3:GetBucketVersioning is all it needs (plus KMS through S3).
 */
export class ReleaseStore {
  private handle: Promise<S3Handle> | undefined;

  /** A store for these options; the S3 SDK is loaded by the first call that talks to S3. */
  constructor(readonly options: ReleaseStoreOptions) {}

  /** A store whose S3 client is ready. */
  static async open(options: ReleaseStoreOptions): Promise<ReleaseStore> {
    const store = new ReleaseStore(options);
    await store.s3();
    return store;
  }

  private s3(): Promise<S3Handle> {
    this.handle ??= createS3Client(this.options.region);
    return this.handle;
  }

  /** `<prefix>/releases.json` */
  get ledgerKey(): string {
    return `${this.options.prefix}/releases.json`;
  }

  /** `<prefix>/releases/<version>/<name>` */
  releaseKey(version: string, name: string): string {
    return `${this.options.prefix}/releases/${version}/${name}`;
  }

  /** `s3://bucket/key` */
  uri(key: string): string {
    return `s3://${this.options.bucket}/${key}`;
  }

  private op(action: S3Operation['action'], key?: string): S3Operation {
    const { bucket, sse, kmsKeyId, acl } = this.options;
    return { action, bucket, key, sse, kmsKeyId, acl };
  }

  /**
   * The bucket's versioning status. CodePipeline's S3 source needs versioning on, and the ledger's
   * version ids are only worth something with it, so anything else is a warning.
   */
  async checkVersioning(): Promise<string> {
    const { sdk, client } = await this.s3();
    let status: string;
    try {
      const res = await client.send(new sdk.GetBucketVersioningCommand({ Bucket: this.options.bucket }));
      status = res.Status ?? 'Off';
    } catch (err) {
      throw explainS3Error(err, this.op('s3:GetBucketVersioning'));
    }
    if (status !== 'Enabled') {
      this.options.log.warning(
        `bucket ${this.options.bucket} has versioning ${status === 'Off' ? 'off' : status.toLowerCase()}: an AWS CodePipeline S3 source requires a versioned bucket, and overwritten artifacts cannot be recovered. Enable it: aws s3api put-bucket-versioning --bucket ${this.options.bucket} --versioning-configuration Status=Enabled`,
      );
    }
    return status;
  }

  /** Reads an object as text; undefined when it does not exist. */
  async readText(key: string): Promise<{ text: string; etag?: string } | undefined> {
    const { sdk, client } = await this.s3();
    try {
      const res = await client.send(new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return { text: (await res.Body?.transformToString('utf8')) ?? '', etag: res.ETag };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw explainS3Error(err, this.op('s3:GetObject', key));
    }
  }

  /** The ledger and its ETag (for the conditional write), or an empty result before the first release. */
  async readLedger(): Promise<{ ledger?: Ledger; etag?: string }> {
    const found = await this.readText(this.ledgerKey);
    if (!found) return {};
    return { ledger: parseLedger(found.text, this.uri(this.ledgerKey)), etag: found.etag };
  }

  private putParams(obj: ObjectToPut, digest: string) {
    const { bucket, sse, kmsKeyId, acl } = this.options;
    return {
      Bucket: bucket,
      Key: obj.key,
      Body: obj.body,
      ContentType: obj.contentType,
      CacheControl: obj.cacheControl,
      Metadata: { ...obj.metadata, [CONTENT_SHA256]: Buffer.from(digest, 'base64').toString('hex') },
      // S3 recomputes the SHA-256 of what it received and refuses the upload when they differ.
      ChecksumAlgorithm: 'SHA256' as const,
      ChecksumSHA256: digest,
      ...(sse === 'none' ? {} : { ServerSideEncryption: sse }),
      ...(sse === 'aws:kms' && kmsKeyId ? { SSEKMSKeyId: kmsKeyId } : {}),
      ...(acl ? { ACL: acl } : {}),
    };
  }

  private stored(
    obj: ObjectToPut,
    digest: string,
    res: { VersionId?: string; ETag?: string; ServerSideEncryption?: string; ChecksumSHA256?: string },
  ): StoredObject {
    if (res.ChecksumSHA256 && res.ChecksumSHA256 !== digest) {
      throw new ActionError(
        `S3 reported checksum ${res.ChecksumSHA256} for ${this.uri(obj.key)}, not the uploaded ${digest}: the upload was corrupted; run the job again`,
      );
    }
    const wanted = this.options.sse;
    if (wanted !== 'none' && res.ServerSideEncryption && res.ServerSideEncryption !== wanted) {
      this.options.log.warning(
        `${this.uri(obj.key)} is encrypted with ${res.ServerSideEncryption}, not ${wanted} as asked: the bucket's default encryption overrides it`,
      );
    }
    return {
      key: obj.key,
      sha256: Buffer.from(digest, 'base64').toString('hex'),
      size: obj.body.byteLength,
      versionId: res.VersionId,
      etag: res.ETag,
      sse: res.ServerSideEncryption,
      unchanged: false,
    };
  }

  /** Writes an object, replacing what is there (the stable artifact key). */
  async put(obj: ObjectToPut): Promise<StoredObject> {
    const { sdk, client } = await this.s3();
    const digest = sha256(obj.body).digest('base64');
    try {
      const res = await client.send(new sdk.PutObjectCommand(this.putParams(obj, digest)));
      return this.stored(obj, digest, res);
    } catch (err) {
      throw explainS3Error(err, this.op('s3:PutObject', obj.key));
    }
  }

  /**
   * Writes an object only if the key is free (`If-None-Match: *`). When it is taken, the stored
   * object's checksum decides: identical bytes are a no-op, different bytes an ActionError.
   */
  async putImmutable(obj: ObjectToPut, conflict: (existing: string) => string): Promise<StoredObject> {
    const { sdk, client } = await this.s3();
    const digest = sha256(obj.body).digest('base64');
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await client.send(
          new sdk.PutObjectCommand({ ...this.putParams(obj, digest), IfNoneMatch: '*' }),
        );
        return this.stored(obj, digest, res);
      } catch (err) {
        if (isConditionalConflict(err) && attempt < 4) {
          await sleep(200 * attempt);
          continue;
        }
        if (!isPreconditionFailed(err)) throw explainS3Error(err, this.op('s3:PutObject', obj.key));
      }
      const existing = await this.existingChecksum(obj.key);
      if (existing.sha256 !== Buffer.from(digest, 'base64').toString('hex')) {
        throw new ActionError(conflict(this.uri(obj.key)));
      }
      return {
        key: obj.key,
        sha256: existing.sha256,
        size: obj.body.byteLength,
        versionId: existing.versionId,
        etag: existing.etag,
        sse: existing.sse,
        unchanged: true,
      };
    }
  }

  /** The hex SHA-256 of a stored object: from its metadata, its S3 checksum, or its bytes. */
  private async existingChecksum(
    key: string,
  ): Promise<{ sha256?: string; versionId?: string; etag?: string; sse?: string }> {
    const { sdk, client } = await this.s3();
    try {
      const head = await client.send(
        new sdk.HeadObjectCommand({ Bucket: this.options.bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
      const fromMeta = head.Metadata?.[CONTENT_SHA256];
      const fromChecksum =
        head.ChecksumSHA256 && !head.ChecksumSHA256.includes('-')
          ? Buffer.from(head.ChecksumSHA256, 'base64').toString('hex')
          : undefined;
      let digest = fromMeta ?? fromChecksum;
      if (!digest) {
        const res = await client.send(new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
        digest = sha256((await res.Body?.transformToByteArray()) ?? new Uint8Array()).digest('hex');
      }
      return { sha256: digest, versionId: head.VersionId, etag: head.ETag, sse: head.ServerSideEncryption };
    } catch (err) {
      throw explainS3Error(err, this.op('s3:GetObject', key));
    }
  }

  /**
   * Adds `release` to the ledger with a conditional write on the ETag read (or `If-None-Match: *`
   * for the first release). When another publish wrote in between, S3 answers 412: read the
   * ledger again, merge again, write again — so concurrent publishes all land.
   */
  async recordRelease(
    release: LedgerRelease,
    attempts = 10,
  ): Promise<{ ledger: Ledger; stored: StoredObject }> {
    const { sdk, client } = await this.s3();
    for (let attempt = 1; ; attempt++) {
      const { ledger, etag } = await this.readLedger();
      const next = addRelease(ledger, release);
      const obj: ObjectToPut = {
        key: this.ledgerKey,
        body: Buffer.from(serializeLedger(next), 'utf8'),
        contentType: 'application/json',
        cacheControl: 'no-cache',
        metadata: { 'latest-version': release.version },
      };
      const digest = sha256(obj.body).digest('base64');
      const condition = etag ? { IfMatch: etag } : { IfNoneMatch: '*' };
      try {
        const res = await client.send(
          new sdk.PutObjectCommand({ ...this.putParams(obj, digest), ...condition }),
        );
        return { ledger: next, stored: this.stored(obj, digest, res) };
      } catch (err) {
        if (!isPreconditionFailed(err) && !isConditionalConflict(err)) {
          throw explainS3Error(err, this.op('s3:PutObject', obj.key));
        }
        if (attempt >= attempts) {
          throw new ActionError(
            `${this.uri(this.ledgerKey)} changed under every one of ${attempts} attempts to add ${release.version}: too many publishes at once; run the job again`,
          );
        }
        this.options.log.info(
          `${this.uri(this.ledgerKey)} changed while adding ${release.version} (another publish); merging again (attempt ${attempt + 1} of ${attempts})`,
        );
        await sleep(Math.round(100 * attempt * (0.5 + Math.random())));
      }
    }
  }
}

/** What to publish as one release. */
export interface ReleaseToPublish {
  version: string;
  /** The rendered files: name in the release, bytes, content type. */
  files: { name: string; body: Uint8Array; contentType: string }[];
  /** The stable key's object (zip or YAML of all files). */
  artifact: { key: string; body: Uint8Array; contentType: string; format: string };
  /** Metadata on every object (version, git sha, run URL). */
  metadata: Record<string, string>;
  /** The ledger entry, without what only the upload knows. */
  entry: Omit<LedgerRelease, 'files' | 'artifact'>;
}

/** What a publish stored. */
export interface PublishResult {
  files: (StoredObject & { name: string })[];
  artifact: StoredObject;
  ledger: Ledger;
}

/**
 * Publishes a release in the only safe order: every release file first (immutable keys), then
 * the stable artifact key, then the ledger. A failure anywhere before leaves the artifact key and
 * the ledger as they were, so CodePipeline never sees a release whose files are missing.
 */
export async function publishRelease(
  store: ReleaseStore,
  release: ReleaseToPublish,
  log: Logger,
): Promise<PublishResult> {
  const files: PublishResult['files'] = [];
  for (const file of release.files) {
    const key = store.releaseKey(release.version, file.name);
    const stored = await store.putImmutable(
      { key, body: file.body, contentType: file.contentType, metadata: release.metadata },
      (uri) =>
        `release ${release.version} is already published and ${uri} holds other content: a release is immutable; publish a new version (leave the version input empty for a fresh one)`,
    );
    log.info(
      `${stored.unchanged ? 'unchanged' : 'stored'} ${store.uri(key)}${stored.versionId ? ` (version ${stored.versionId})` : ''}`,
    );
    files.push({ ...stored, name: file.name });
  }
  const artifact = await store.put({
    key: release.artifact.key,
    body: release.artifact.body,
    contentType: release.artifact.contentType,
    metadata: release.metadata,
  });
  log.info(
    `stored ${store.uri(artifact.key)}${artifact.versionId ? ` (version ${artifact.versionId})` : ''}`,
  );
  const { ledger } = await store.recordRelease({
    ...release.entry,
    files: files.map((f) => ({
      name: f.name,
      key: f.key,
      sha256: f.sha256,
      size: f.size,
      versionId: f.versionId,
    })),
    artifact: {
      key: artifact.key,
      format: release.artifact.format,
      sha256: artifact.sha256,
      versionId: artifact.versionId,
      etag: artifact.etag,
    },
  });
  log.info(`recorded ${release.version} in ${store.uri(store.ledgerKey)}`);
  return { files, artifact, ledger };
}
