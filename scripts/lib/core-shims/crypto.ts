/**
 * What `@actions/core` sees as `crypto` in the bundle. Core needs only `randomUUID`, for the
 * delimiters of command-file entries, and every action with a post step writes one at its start
 * (the post-step marker); loading node:crypto there would cost a quarter of `node -e 0`. The
 * same random UUID (version 4, from the kernel's random source) is read from /dev/urandom,
 * with node:crypto where that does not exist (Windows).
 */
export function randomUUID(): string {
  const bytes = Buffer.alloc(16);
  if (process.platform === 'win32' || !readUrandom(bytes)) {
    return process.getBuiltinModule('node:crypto').randomUUID();
  }
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function readUrandom(into: Buffer): boolean {
  const fs = process.getBuiltinModule('node:fs');
  let fd: number | undefined;
  try {
    fd = fs.openSync('/dev/urandom', 'r');
    let read = 0;
    while (read < into.length) {
      const n = fs.readSync(fd, into, read, into.length - read, null);
      if (n <= 0) return false;
      read += n;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
