// The fields of a tar header block (ustar, GNU and PAX), shared by the two readers of tar streams:
// docker-archive sources here and test-cache's check of restored archives. Written by hand because
// both only walk headers and skip data by offset, which the tar libraries do not expose.

/** Size of a tar block. */
export const TAR_BLOCK = 512;

/** A NUL-terminated text field. */
export function tarText(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end >= 0 && end < start + length ? end : start + length);
}

/** An octal number field, or GNU base-256 for values that do not fit (files of 8 GiB and more). */
export function tarNumber(buf: Buffer, start: number, length: number): number {
  if ((buf[start] ?? 0) & 0x80) {
    let value = (buf[start] ?? 0) & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + (buf[start + i] ?? 0);
    return value;
  }
  const s = tarText(buf, start, length).trim();
  return s ? parseInt(s, 8) : 0;
}

/** The records of a PAX extended header (`<length> <key>=<value>\n`…). */
export function parseTarPax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const length = parseInt(data.toString('utf8', pos, space), 10);
    if (!(length > 0)) break;
    const record = data.toString('utf8', space + 1, pos + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
}

/** Whether a header block's checksum holds (the checksum field itself counted as spaces). */
export function tarChecksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  return sum === tarNumber(header, 148, 8);
}

/** What a member is, by its header's type flag. */
export type TarMemberType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** The records before a header that override its name fields (GNU `L`/`K`, PAX `x`). */
export interface TarOverrides {
  longName?: string | undefined;
  longLink?: string | undefined;
  pax: Record<string, string>;
}

/** The member a header describes: its name (ustar prefix, long name or PAX path), type and link. */
export function tarMember(
  header: Buffer,
  { longName, longLink, pax }: TarOverrides,
): { name: string; type: TarMemberType; linkname: string } {
  const flag = String.fromCharCode(header[156] ?? 0);
  const prefix = header.toString('latin1', 257, 262) === 'ustar' ? tarText(header, 345, 155) : '';
  const name =
    pax.path ?? longName ?? (prefix ? `${prefix}/${tarText(header, 0, 100)}` : tarText(header, 0, 100));
  const type: TarMemberType =
    flag === '0' || flag === '\0' || flag === '7'
      ? 'file'
      : flag === '5'
        ? 'dir'
        : flag === '2'
          ? 'symlink'
          : flag === '1'
            ? 'hardlink'
            : 'other';
  return { name, type, linkname: pax.linkpath ?? longLink ?? tarText(header, 157, 100) };
}
