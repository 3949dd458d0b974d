/**
 * YAML access for the workflow linter: parse with positions, walk mappings and sequences, and
 * report every finding at the line of the source file it came from (Markdown examples included,
 * whose YAML starts somewhere inside the .md file).
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';

/** The rules a finding can come from. */
export type RuleId =
  | 'yaml'
  | 'actionlint'
  | 'schema'
  | 'pin'
  | 'pin-drift'
  | 'run-expression'
  | 'permissions'
  | 'id-token'
  | 'slipway-inputs'
  | 'reusable-call'
  | 'docs';

/** One problem, at a 1-based line and column of a repository file. */
export interface Finding {
  file: string;
  line: number;
  column: number;
  rule: RuleId;
  message: string;
}

/** A YAML text to lint: a whole file, or a fenced block of a Markdown file starting at `lineOffset`. */
export interface YamlSource {
  /** Repository-relative path used in findings. */
  file: string;
  text: string;
  /** Lines of the file before the YAML text (0 for a .yml file). */
  lineOffset: number;
}

/** A parsed YAML source with its positions. */
export interface ParsedYaml extends YamlSource {
  doc: Document;
  root: Node | null;
  lines: LineCounter;
}

/** Parses a source; YAML syntax errors come back as findings and `parsed` is undefined. */
export function parseYaml(source: YamlSource): { parsed?: ParsedYaml; findings: Finding[] } {
  const lines = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      findings: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return {
          file: source.file,
          line: pos.line + source.lineOffset,
          column: pos.col,
          rule: 'yaml' as const,
          message: e.message.split('\n')[0] ?? e.message,
        };
      }),
    };
  }
  return { parsed: { ...source, doc, root: (doc.contents as Node | null) ?? null, lines }, findings: [] };
}

/** A finding at a node (or at the start of the source when the node has no position). */
export function findingAt(
  parsed: ParsedYaml,
  node: Node | null | undefined,
  rule: RuleId,
  message: string,
): Finding {
  return findingAtOffset(parsed, node?.range?.[0] ?? 0, rule, message);
}

/** A finding at a character offset of the YAML text. */
export function findingAtOffset(parsed: ParsedYaml, offset: number, rule: RuleId, message: string): Finding {
  const pos = parsed.lines.linePos(offset);
  return { file: parsed.file, line: pos.line + parsed.lineOffset, column: pos.col, rule, message };
}

/** The value node of `key` in a mapping node, or undefined. */
export function child(node: Node | null | undefined, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return (pair?.value as Node | null | undefined) ?? undefined;
}

/** The key node of `key` in a mapping node (for findings about a key that is there). */
export function keyNode(node: Node | null | undefined, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return (pair?.key as Node | undefined) ?? undefined;
}

/** True when the mapping has the key (even with an empty value). */
export function hasKey(node: Node | null | undefined, key: string): boolean {
  return keyNode(node, key) !== undefined;
}

/** The entries of a mapping node: [key, value node, key node]. */
export function entries(node: Node | null | undefined): [string, Node | undefined, Node][] {
  if (!isMap(node)) return [];
  return node.items
    .filter((p) => isScalar(p.key))
    .map((p) => [
      String((p.key as { value: unknown }).value),
      (p.value as Node | null) ?? undefined,
      p.key as Node,
    ]);
}

/** The items of a sequence node. */
export function items(node: Node | null | undefined): Node[] {
  return isSeq(node) ? (node.items as Node[]) : [];
}

/** The string value of a scalar node (numbers and booleans as written), or undefined. */
export function scalarText(node: Node | null | undefined): string | undefined {
  if (!isScalar(node)) return undefined;
  if (node.value === null || node.value === undefined) return '';
  return String(node.value);
}

/** The trailing comment on the line of a scalar (`uses: a/b@sha # v1.2.3` → `v1.2.3`). */
export function trailingComment(node: Node | null | undefined): string | undefined {
  return isScalar(node) ? node.comment?.trim() : undefined;
}

export { isMap, isScalar, isSeq };
export type { Node };
