import type { RenderedFile } from './render.ts';

/** How the rendered files are handed to CodePipeline at the stable key. */
export type BundleFormat = 'zip' | 'yaml';

// DOS timestamps are local time; a date built from local parts encodes the same in every time
// zone, so the zip does not depend on where it was made. 1980-01-01 is the earliest DOS date.
const ZIP_EPOCH = () => new Date(1980, 0, 1, 0, 0, 0);

/**
 * A zip of the rendered files, byte-identical for identical files: entries sorted by name, a
 * fixed timestamp, fixed attributes and compression level.
 */
export async function zipFiles(
  files: readonly Pick<RenderedFile, 'name' | 'content'>[],
): Promise<Uint8Array> {
  const { zipSync, strToU8 } = await import('fflate');
  const entries: Record<string, [Uint8Array, { mtime: Date; level: 9; os: number; attrs: number }]> = {};
  for (const file of [...files].sort((a, b) => compare(a.name, b.name))) {
    // os 3 (Unix) with mode 0644 so `unzip` on CodeBuild extracts readable files.
    entries[file.name] = [
      strToU8(file.content),
      { mtime: ZIP_EPOCH(), level: 9, os: 3, attrs: 0o100644 << 16 },
    ];
  }
  return zipSync(entries);
}

/** The rendered files as one multi-document YAML, each introduced by `---` and its name. */
export function concatYaml(files: readonly Pick<RenderedFile, 'name' | 'content'>[]): string {
  return [...files]
    .sort((a, b) => compare(a.name, b.name))
    .map((f) => `---\n# Source: ${f.name}\n${f.content.replace(/^---[ \t]*\n/, '')}`)
    .join('');
}

/** Hex SHA-256 of a string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  // Fetched on first use: importing node:crypto up front costs more start-up time than all of
  // this action's own code, and the start is budgeted (≤ 1.5× `node -e 0` to input validation).
  const { createHash } = process.getBuiltinModule('node:crypto');
  return createHash('sha256').update(data).digest('hex');
}

/** Code-unit order, the same on every machine (localeCompare is not). */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
