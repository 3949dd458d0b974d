import { compare } from './bundle.ts';

/** A file as it was or is in a release. */
export interface FileText {
  name: string;
  content: string;
}

/** The unified diff between two releases and whether anything changed. */
export interface ReleaseDiff {
  changed: boolean;
  /** `git diff`-style text, empty when nothing changed. */
  patch: string;
  added: string[];
  removed: string[];
  modified: string[];
}

/**
 * Compares the files of the previous release with this one's, file by file, as a unified diff a
 * reviewer reads in the job summary. Files are matched by name; order is stable.
 */
export async function diffReleases(
  previous: readonly FileText[],
  current: readonly FileText[],
  labels: { previous: string; current: string },
): Promise<ReleaseDiff> {
  const { createTwoFilesPatch } = await import('diff');
  const before = new Map(previous.map((f) => [f.name, f.content]));
  const after = new Map(current.map((f) => [f.name, f.content]));
  const names = [...new Set([...before.keys(), ...after.keys()])].sort(compare);
  const added: string[] = [];
  const removed: string[] = [];
  const modified: string[] = [];
  const parts: string[] = [];
  for (const name of names) {
    const a = before.get(name);
    const b = after.get(name);
    if (a === b) continue;
    if (a === undefined) added.push(name);
    else if (b === undefined) removed.push(name);
    else modified.push(name);
    const patch = createTwoFilesPatch(
      a === undefined ? '/dev/null' : `a/${name}`,
      b === undefined ? '/dev/null' : `b/${name}`,
      a ?? '',
      b ?? '',
      labels.previous,
      labels.current,
      { context: 3 },
    );
    // Drop the Index/==== header lines the library adds; keep ---/+++ and the hunks.
    parts.push(patch.replace(/^(Index: .*\n)?=+\n/, ''));
  }
  return { changed: parts.length > 0, patch: parts.join(''), added, removed, modified };
}
