/**
 * Line numbers for messages about rendered manifests: where a path sits in a parsed YAML
 * document, and which template line produced a rendered line.
 */
import type * as YamlModuleNs from 'yaml';
import type { Document, LineCounter, Node as YamlNode } from 'yaml';

type YamlModule = typeof YamlModuleNs;

/**
 * The 1-based line of `path` (keys and list indexes) in a document: the key's line for a mapping
 * entry, the item's line for a list entry. Stops at the deepest part of the path that exists, so
 * a missing field points at its parent.
 */
export function lineOfPath(
  yaml: YamlModule,
  doc: Document,
  path: readonly (string | number)[],
  lines: LineCounter,
): number | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (const part of path) {
    if (yaml.isMap(node)) {
      const pair = node.items.find((p) => yaml.isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (yaml.isSeq(node)) {
      const item = node.items[Number(part)];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

function rangeStart(node: unknown): number | undefined {
  return (node as YamlNode | undefined)?.range?.[0];
}

/**
 * The template line that most likely produced `renderedLine` (1-based), or undefined when the
 * guess would be unsafe. A line copied verbatim, or a `key:` whose value was templated, is
 * matched by its occurrence count: the k-th such line in the output is the k-th in the template
 * when both have as many (loops and conditionals that change the count make it give up).
 */
export function templateLineFor(
  template: string,
  rendered: string,
  renderedLine: number,
): number | undefined {
  const out = rendered.split('\n');
  const tpl = template.split('\n');
  const target = out[renderedLine - 1];
  if (target === undefined || target.trim() === '') return undefined;
  const exact = (l: string) => l === target;
  const key = /^(\s*(?:-\s+)?[^\s#:{][^:{]*:)(\s|$)/.exec(target)?.[1];
  const sameKey = (l: string) =>
    key !== undefined && l.startsWith(key) && /^(\s|$)/.test(l.slice(key.length));
  for (const match of [exact, sameKey]) {
    const outHits = indexesOf(out, match);
    const tplHits = indexesOf(tpl, match);
    const k = outHits.indexOf(renderedLine - 1);
    if (k >= 0 && outHits.length === tplHits.length) return (tplHits[k] ?? 0) + 1;
  }
  return undefined;
}

function indexesOf(lines: string[], match: (l: string) => boolean): number[] {
  const hits: number[] = [];
  lines.forEach((l, i) => {
    if (match(l)) hits.push(i);
  });
  return hits;
}
