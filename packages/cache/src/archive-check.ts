import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { isAbsolute, posix, resolve, sep } from 'node:path';
import { createGunzip } from 'node:zlib';
import {
  TAR_BLOCK,
  parseTarPax,
  tarChecksumOk,
  tarMember,
  tarNumber,
  tarText,
  type TarMemberType,
} from '@slipway/registry/tar-header.ts';
import { isInside } from './paths.ts';

/** One member of a cache archive, as far as the path check needs it. */
export interface ArchiveMember {
  name: string;
  type: TarMemberType;
  /** The link target of symbolic and hard links ('' otherwise). */
  linkname: string;
}

const BLOCK = TAR_BLOCK;
/** Long names and PAX records beyond this are not a cache archive: refuse rather than buffer them. */
const MAX_META = 1024 * 1024;

const padded = (size: number) => Math.ceil(size / BLOCK) * BLOCK;

/**
 * The members of an uncompressed tar stream (ustar, GNU long names, PAX), headers only: the data
 * is skipped as it streams past, so a multi-gigabyte cache is listed in constant memory. Names
 * are returned exactly as stored (absolute, `..` and all), since those are what is checked.
 */
export async function* listTarMembers(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
): AsyncGenerator<ArchiveMember> {
  let buf: Buffer = Buffer.alloc(0);
  let skip = 0;
  let meta: { flag: string; size: number } | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  let offset = 0;
  for await (const chunk of chunks) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, buf.length);
        buf = buf.subarray(n);
        skip -= n;
        offset += n;
        if (skip > 0) break;
      }
      if (meta) {
        const need = padded(meta.size);
        if (buf.length < need) break;
        const data = buf.subarray(0, meta.size);
        if (meta.flag === 'L') longName = tarText(data, 0, data.length);
        else if (meta.flag === 'K') longLink = tarText(data, 0, data.length);
        else if (meta.flag === 'x') pax = { ...pax, ...parseTarPax(data) };
        buf = buf.subarray(need);
        offset += need;
        meta = undefined;
        continue;
      }
      if (buf.length < BLOCK) break;
      const header = buf.subarray(0, BLOCK);
      buf = buf.subarray(BLOCK);
      if (header.every((b) => b === 0)) return;
      if (!tarChecksumOk(header))
        throw new Error(`not a tar archive (bad header checksum at byte ${offset})`);
      offset += BLOCK;
      const flag = String.fromCharCode(header[156] ?? 0);
      const size = pax.size !== undefined ? Number(pax.size) : tarNumber(header, 124, 12);
      if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
        if (size > MAX_META) throw new Error(`a tar header record of ${size} bytes is too large`);
        meta = { flag, size };
        continue;
      }
      const member = tarMember(header, { longName, longLink, pax });
      yield member;
      longName = undefined;
      longLink = undefined;
      pax = {};
      // Links carry no data whatever their size field says (GNU tar and POSIX agree).
      skip =
        member.type === 'symlink' || member.type === 'hardlink' || member.type === 'dir' ? 0 : padded(size);
    }
  }
}

/** Where a member lands: `tar -P -C <workspace>` keeps absolute names and resolves the rest. */
function landing(name: string, workspace: string): string {
  return resolve(workspace, name.split('/').join(sep));
}

/**
 * The root folders a cache entry may write to: its patterns resolved like the library resolves
 * them, globs cut at their first wildcard, exclusions dropped.
 */
export function cacheRoots(patterns: readonly string[], workspace: string, home: string): string[] {
  return patterns
    .filter((p) => !p.startsWith('!'))
    .map((p) => {
      const abs = p === '~' ? home : p.startsWith('~/') ? `${home}/${p.slice(2)}` : resolve(workspace, p);
      const wild = abs.search(/[*?[\]{}]/);
      if (wild < 0) return abs;
      const cut = abs.slice(0, wild);
      return cut.endsWith('/') ? cut.replace(/\/+$/, '') || '/' : posix.dirname(cut);
    });
}

/**
 * A check of the members of one archive, in order: returns why a member may not be extracted, or
 * undefined when it stays inside the cache's own paths. Names are what `@actions/cache` writes
 * (`path.relative(workspace, file)`, so `..` only leads); links may not point out of the cached
 * paths, and no member may be written through a symbolic link of the same archive.
 */
export function memberChecker(
  workspace: string,
  roots: readonly string[],
): (member: ArchiveMember) => string | undefined {
  const inRoots = (path: string) => roots.some((root) => isInside(path, root));
  const links = new Set<string>();
  return (member) => {
    const shown = JSON.stringify(member.name);
    if (isAbsolute(member.name) || member.name.startsWith('/')) {
      return `${shown} is an absolute path (the cache writes relative names)`;
    }
    const parts = member.name.split('/').filter((p) => p !== '' && p !== '.');
    const firstNormal = parts.findIndex((p) => p !== '..');
    if (firstNormal >= 0 && parts.slice(firstNormal).includes('..')) {
      return `${shown} climbs back up with .. (the cache writes no such names)`;
    }
    const target = landing(member.name, workspace);
    if (!inRoots(target)) return `${shown} lands at ${target}, outside the cached paths`;
    for (let dir = resolve(target, '..'); dir !== resolve(dir, '..'); dir = resolve(dir, '..')) {
      if (links.has(dir)) return `${shown} is written through the symbolic link ${dir} of the same archive`;
    }
    if (member.type === 'symlink') {
      const to = isAbsolute(member.linkname)
        ? member.linkname
        : resolve(target, '..', member.linkname.split('/').join(sep));
      if (!inRoots(to)) return `${shown} is a symbolic link to ${to}, outside the cached paths`;
      links.add(target);
    }
    if (member.type === 'hardlink') {
      const to = isAbsolute(member.linkname) ? member.linkname : landing(member.linkname, workspace);
      if (!inRoots(to)) return `${shown} is a hard link to ${to}, outside the cached paths`;
    }
    return undefined;
  };
}

/** How the archive is compressed, in `@actions/cache`'s words. */
export type ArchiveCompression = 'gzip' | 'zstd' | 'zstd-without-long';

async function* decompressed(archive: string, compression: ArchiveCompression): AsyncGenerator<Buffer> {
  if (compression === 'gzip') {
    for await (const chunk of createReadStream(archive).pipe(createGunzip())) yield chunk as Buffer;
    return;
  }
  const args = ['-d', '-c', ...(compression === 'zstd' ? ['--long=30'] : []), '--', archive];
  const child = spawn('zstd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done(code ?? 1));
  });
  // Observed below; this keeps a spawn failure after an early stop from going unhandled.
  exited.catch(() => undefined);
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
  } finally {
    if (child.exitCode === null) child.kill();
  }
  const code = await exited;
  if (code !== 0) throw new Error(`zstd could not read the archive: ${stderr.trim() || `exit ${code}`}`);
}

/**
 * Lists a downloaded cache archive and returns the members that would land outside the cache's
 * own paths (absolute names, `..` beyond them, links pointing out), at most `limit` of them.
 * `@actions/cache` extracts with `tar -P`, which honours such names, so an entry saved by code
 * that is not the repository's own could otherwise write anywhere the job can.
 */
export async function findEscapingMembers(
  archive: string,
  compression: ArchiveCompression,
  workspace: string,
  roots: readonly string[],
  limit = 5,
): Promise<string[]> {
  const problems: string[] = [];
  const check = memberChecker(workspace, roots);
  const stream = decompressed(archive, compression);
  for await (const member of listTarMembers(stream)) {
    const problem = check(member);
    if (problem) problems.push(problem);
    if (problems.length >= limit) {
      await stream.return(undefined);
      break;
    }
  }
  return problems;
}
