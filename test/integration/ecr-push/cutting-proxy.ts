// A TCP proxy in front of the test registry that cuts one blob upload in the middle of its body,
// the way a flaky network or load balancer does, and records the upload requests it saw.
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';

/** An upload request line the proxy forwarded: method, path and Content-Range (chunked uploads). */
export interface SeenUpload {
  method: string;
  path: string;
  contentRange?: string;
}

/**
 * Cuts the connection of the `nth` (1-based) blob upload request (a PUT or PATCH under
 * /blobs/uploads/ with a body larger than `minBody`) after `after` bytes of its body.
 */
export class CuttingProxy {
  cuts = 0;
  readonly uploads: SeenUpload[] = [];
  private matched = 0;
  private readonly server = createServer((client) => this.handle(client));
  url = '';

  constructor(
    private readonly target: { host: string; port: number },
    private readonly opts: { nth?: number; minBody?: number; after?: number } = {},
  ) {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    const nth = this.opts.nth ?? 1;
    const minBody = this.opts.minBody ?? 100_000;
    const after = this.opts.after ?? 64 * 1024;
    let counting = -1;
    client.on('data', (chunk: Buffer) => {
      if (counting < 0) {
        const text = chunk.toString('latin1');
        const head = /^(PUT|PATCH) (\/v2\/\S+\/blobs\/uploads\/\S*) HTTP\/1\.1\r\n[\s\S]*?\r\n\r\n/.exec(
          text,
        );
        if (head) {
          const length = Number(/\r\ncontent-length: (\d+)/i.exec(head[0])?.[1] ?? 0);
          const range = /\r\ncontent-range: (\S+)/i.exec(head[0])?.[1];
          this.uploads.push({
            method: head[1] ?? '',
            path: head[2] ?? '',
            ...(range ? { contentRange: range } : {}),
          });
          if (length > minBody && this.cuts === 0 && ++this.matched === nth) {
            counting = chunk.length - head[0].length;
          }
        }
      } else {
        counting += chunk.length;
      }
      upstream.write(chunk);
      if (counting >= after && this.cuts === 0) {
        this.cuts++;
        client.destroy();
        upstream.destroy();
      }
    });
    upstream.on('data', (d: Buffer) => client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }
}
