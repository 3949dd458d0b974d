import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import {
  TAR_BLOCK,
  parseTarPax,
  tarChecksumOk,
  tarMember,
  tarNumber,
  tarText,
  type TarMemberType,
} from './tar-header.ts';

/** One member of a tar archive: where its data starts in the file and how long it is. */
export interface TarEntry {
  name: string;
  /** `file`, `dir`, `symlink`, `hardlink` or `other`. */
  type: TarMemberType;
  /** Byte offset of the data in the archive file. */
  offset: number;
  size: number;
  linkname: string;
}

const BLOCK = TAR_BLOCK;

/** Normalises a member name: no leading `./` or `/`, no trailing `/`. */
export function normaliseTarName(name: string): string {
  return posix
    .normalize(name)
    .replace(/^(\.\/|\/)+/, '')
    .replace(/\/+$/, '');
}

/**
 * Lists the members of an uncompressed tar file by reading only its headers (ustar, GNU long
 * names and PAX), so a multi-gigabyte `docker save` archive is indexed without reading its
 * layers; their data is then streamed straight from the archive by offset.
 */
export async function indexTar(path: string): Promise<Map<string, TarEntry>> {
  const entries = new Map<string, TarEntry>();
  const fh = await open(path, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const header = Buffer.alloc(BLOCK);
    let pos = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Record<string, string> = {};
    while (pos + BLOCK <= fileSize) {
      const { bytesRead } = await fh.read(header, 0, BLOCK, pos);
      if (bytesRead < BLOCK) break;
      if (header.every((b) => b === 0)) break;
      if (!tarChecksumOk(header))
        throw new Error(`${path} is not a tar archive (bad header checksum at byte ${pos})`);
      const flag = String.fromCharCode(header[156] ?? 0);
      const size = pax.size !== undefined ? Number(pax.size) : tarNumber(header, 124, 12);
      const dataStart = pos + BLOCK;
      const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;
      if (flag === 'L' || flag === 'K' || flag === 'x') {
        const data = Buffer.alloc(size);
        await fh.read(data, 0, size, dataStart);
        if (flag === 'L') longName = tarText(data, 0, size);
        else if (flag === 'K') longLink = tarText(data, 0, size);
        else pax = { ...pax, ...parseTarPax(data) };
        pos = next;
        continue;
      }
      if (flag !== 'g') {
        const member = tarMember(header, { longName, longLink, pax });
        const name = normaliseTarName(member.name);
        entries.set(name, {
          name,
          type: member.type,
          offset: dataStart,
          size: member.type === 'file' ? size : 0,
          linkname: member.linkname,
        });
      }
      longName = undefined;
      longLink = undefined;
      pax = {};
      pos = next;
    }
  } finally {
    await fh.close();
  }
  return entries;
}

/** Follows symbolic and hard links (docker save links layers shared between images) to a file. */
export function resolveTarFile(entries: Map<string, TarEntry>, name: string): TarEntry | undefined {
  let current = entries.get(normaliseTarName(name));
  for (let hops = 0; current && hops < 16; hops++) {
    if (current.type === 'file') return current;
    if (current.type === 'symlink') {
      const target = current.linkname.startsWith('/')
        ? current.linkname
        : posix.join(posix.dirname(current.name), current.linkname);
      current = entries.get(normaliseTarName(target));
    } else if (current.type === 'hardlink') {
      current = entries.get(normaliseTarName(current.linkname));
    } else return undefined;
  }
  return undefined;
}
