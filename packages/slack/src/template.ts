import { escapeMrkdwn } from './mrkdwn.ts';

/** How a string in a Slack message is read by Slack, which decides how a value must be escaped. */
export type TextFormat = 'mrkdwn' | 'plain' | 'url';

/** What a template expansion left unresolved. */
export interface TemplateProblems {
  /** `{{ name }}` placeholders with no such value. */
  unknown: string[];
  /** `${{ … }}` GitHub expressions, which GitHub evaluates only in workflow files, never in a payload file. */
  expressions: string[];
}

const PLACEHOLDER = /(\$?)\{\{([^{}]*)\}\}/g;

/**
 * Replaces `{{ name }}` in one string. Values are escaped for `format` (only mrkdwn needs it: a
 * commit message with `<!channel>` or `a & b` must show as typed). Unknown names and `${{ … }}`
 * expressions are left in place and reported in `problems`.
 */
export function renderString(
  text: string,
  values: Readonly<Record<string, string>>,
  format: TextFormat,
  problems: TemplateProblems,
): string {
  return text.replace(PLACEHOLDER, (whole, dollar: string, inner: string) => {
    const name = inner.trim();
    if (dollar) {
      problems.expressions.push(whole);
      return whole;
    }
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) {
      problems.unknown.push(name);
      return whole;
    }
    return format === 'mrkdwn' ? escapeMrkdwn(value) : value;
  });
}

type Kind = 'message' | 'attachment' | 'attachment-field' | 'other';

// Keys holding URLs in Block Kit and legacy attachments; a URL is never escaped.
const URL_KEYS = new Set(['title_link', 'author_link', 'author_icon', 'footer_icon', 'thumb_url']);

function formatOf(obj: Record<string, unknown>, key: string, kind: Kind): TextFormat {
  if (/(^|_)url$/.test(key) || URL_KEYS.has(key)) return 'url';
  if (key === 'text') {
    if (obj.type === 'mrkdwn') return 'mrkdwn';
    if (obj.type === 'plain_text') return 'plain';
    if (kind === 'message') return obj.mrkdwn === false ? 'plain' : 'mrkdwn';
    if (kind === 'attachment') return 'mrkdwn';
    // rich_text elements and `markdown` blocks are not parsed for Slack's control characters.
    return 'plain';
  }
  if (kind === 'attachment' && key === 'pretext') return 'mrkdwn';
  if (kind === 'attachment-field' && key === 'value') return 'mrkdwn';
  return 'plain';
}

function walk(
  node: unknown,
  kind: Kind,
  values: Readonly<Record<string, string>>,
  problems: TemplateProblems,
): unknown {
  if (Array.isArray(node)) return node.map((item) => walk(item, kind, values, problems));
  if (node === null || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (typeof value === 'string') {
      out[key] = renderString(value, values, formatOf(obj, key, kind), problems);
    } else {
      const childKind: Kind =
        kind === 'message' && key === 'attachments'
          ? 'attachment'
          : kind === 'attachment' && key === 'fields'
            ? 'attachment-field'
            : 'other';
      out[key] = walk(value, childKind, values, problems);
    }
  }
  return out;
}

/**
 * Expands `{{ name }}` placeholders in every string of a Slack message, escaping each value for
 * where it stands: mrkdwn text gets `&`, `<`, `>` escaped; plain_text, URLs and ids get the value
 * as is. Returns a new message; the input is not changed.
 */
export function renderTemplates<T>(
  message: T,
  values: Readonly<Record<string, string>>,
): { message: T; problems: TemplateProblems } {
  const problems: TemplateProblems = { unknown: [], expressions: [] };
  const rendered = walk(message, 'message', values, problems) as T;
  problems.unknown = [...new Set(problems.unknown)];
  problems.expressions = [...new Set(problems.expressions)];
  return { message: rendered, problems };
}

/** True when nothing was left unresolved. */
export function templateOk(problems: TemplateProblems): boolean {
  return problems.unknown.length === 0 && problems.expressions.length === 0;
}

/**
 * One sentence describing what a template left unresolved, for an input error: the unknown
 * names with the ones that exist, and why `${{ }}` does not work in a payload file.
 */
export function describeTemplateProblems(
  problems: TemplateProblems,
  values: Readonly<Record<string, string>>,
): string {
  const parts: string[] = [];
  if (problems.unknown.length) {
    const known = Object.keys(values)
      .filter((k) => !k.startsWith('fields.'))
      .join(', ');
    const fieldNames = Object.keys(values).filter((k) => k.startsWith('fields.'));
    parts.push(
      `unknown placeholder${problems.unknown.length > 1 ? 's' : ''} ${problems.unknown
        .map((n) => `{{ ${n} }}`)
        .join(
          ', ',
        )}; known: ${known}${fieldNames.length ? `, ${fieldNames.join(', ')}` : ', fields.<key> for each entry of fields'}`,
    );
  }
  if (problems.expressions.length) {
    parts.push(
      `${problems.expressions.join(', ')} ${problems.expressions.length > 1 ? 'are GitHub expressions' : 'is a GitHub expression'}, which GitHub does not evaluate inside a file; use the {{ name }} placeholders listed here or pass the value through fields`,
    );
  }
  return parts.join('; ');
}
