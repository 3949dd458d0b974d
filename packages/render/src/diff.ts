import type * as YamlModuleNs from 'yaml';
import type { Document } from 'yaml';
import { compare } from './bundle.ts';

/** What the diff shows instead of a Secret's value: the runner never masks rendered values. */
export const REDACTED = '(redacted)';
/** What the diff shows for a Secret value that differs from the previous release's. */
export const REDACTED_CHANGED = '(redacted, changed)';
const SECRET_FIELDS = ['data', 'stringData'] as const;

type YamlModule = typeof YamlModuleNs;

/** The Secret objects of one parsed document: the document itself, or the items of a List. */
function secretsIn(yaml: YamlModule, doc: Document): unknown[] {
  const root = doc.contents;
  if (!yaml.isMap(root)) return [];
  if (root.get('kind') === 'Secret') return [root];
  const items = root.get('items');
  return yaml.isSeq(items)
    ? items.items.filter((item) => yaml.isMap(item) && item.get('kind') === 'Secret')
    : [];
}

/** `namespace/name/field/key` of each Secret value, so two releases' values can be compared. */
function secretValueId(secret: unknown, field: string, key: unknown, yaml: YamlModule): string {
  const meta = yaml.isMap(secret) ? secret.get('metadata') : undefined;
  const get = (k: string) => (yaml.isMap(meta) ? String(meta.get(k) ?? '') : '');
  return JSON.stringify([get('namespace'), get('name'), field, String(key)]);
}

/**
 * A file's text with every value under `data`/`stringData` of a Secret replaced by a placeholder,
 * keys kept, so the diff still shows which keys were added, changed or removed. `previous` holds
 * the other release's values by id: a value that differs from it becomes {@link REDACTED_CHANGED}.
 * Files without a Secret come back as they are; one that mentions a Secret but does not parse is
 * hidden whole.
 */
function redactSecrets(
  yaml: YamlModule,
  content: string,
  previous?: ReadonlyMap<string, string>,
): { text: string; values: Map<string, string> } {
  const values = new Map<string, string>();
  if (!/\bSecret\b/.test(content)) return { text: content, values };
  const docs = yaml.parseAllDocuments(content);
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) {
    return { text: `${REDACTED}: a file with a Secret that is not valid YAML\n`, values };
  }
  let touched = false;
  for (const doc of docs) {
    for (const secret of secretsIn(yaml, doc)) {
      if (!yaml.isMap(secret)) continue;
      for (const field of SECRET_FIELDS) {
        const data = secret.get(field, true);
        if (!yaml.isMap(data)) {
          // A scalar or flow value where a mapping belongs: hide it whole.
          if (data !== undefined && data !== null) secret.set(field, REDACTED);
          touched ||= data !== undefined && data !== null;
          continue;
        }
        for (const pair of data.items) {
          const key = yaml.isScalar(pair.key) ? pair.key.value : pair.key;
          const id = secretValueId(secret, field, key, yaml);
          const value = JSON.stringify(yaml.isNode(pair.value) ? pair.value.toJSON() : pair.value);
          values.set(id, value);
          const changed = previous !== undefined && previous.has(id) && previous.get(id) !== value;
          pair.value = doc.createNode(changed ? REDACTED_CHANGED : REDACTED);
          touched = true;
        }
      }
    }
  }
  if (!touched) return { text: content, values };
  return { text: docs.map((d) => d.toString({ lineWidth: 0 })).join(''), values };
}

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
  const yaml = await import('yaml');
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
    // Secrets are redacted on both sides alike, so the diff shows only real changes.
    const shownBefore = redactSecrets(yaml, a ?? '');
    const shownAfter = redactSecrets(yaml, b ?? '', a === undefined ? undefined : shownBefore.values);
    const patch = createTwoFilesPatch(
      a === undefined ? '/dev/null' : `a/${name}`,
      b === undefined ? '/dev/null' : `b/${name}`,
      shownBefore.text,
      shownAfter.text,
      labels.previous,
      labels.current,
      { context: 3 },
    );
    // Drop the Index/==== header lines the library adds; keep ---/+++ and the hunks.
    parts.push(patch.replace(/^(Index: .*\n)?=+\n/, ''));
  }
  return { changed: parts.length > 0, patch: parts.join(''), added, removed, modified };
}
