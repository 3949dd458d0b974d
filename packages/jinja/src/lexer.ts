/**
 * Jinja2's lexer, rule for rule (jinja2/lexer.py 3.1), with the environment Slipway uses:
 * default delimiters, `trim_blocks` and `lstrip_blocks` on, line statements off,
 * `keep_trailing_newline` on. Tokens carry the 1-based line they start on.
 */
import { TemplateSyntaxError } from './errors.ts';
import { lookupUnicodeName } from './unicode-names.ts';
import { checkIntStrDigits, strRepr } from './values.ts';

/** A token value: strings for names, operators, data and strings; bigint/number for literals. */
export type TokenValue = string | bigint | number;

/** One token of the stream the parser reads. */
export interface Token {
  readonly type: string;
  readonly value: TokenValue;
  readonly line: number;
}

/** Operator spelling → token type, as Jinja2 names them. */
export const OPERATORS: ReadonlyMap<string, string> = new Map([
  ['+', 'add'],
  ['-', 'sub'],
  ['/', 'div'],
  ['//', 'floordiv'],
  ['*', 'mul'],
  ['%', 'mod'],
  ['**', 'pow'],
  ['~', 'tilde'],
  ['[', 'lbracket'],
  [']', 'rbracket'],
  ['(', 'lparen'],
  [')', 'rparen'],
  ['{', 'lbrace'],
  ['}', 'rbrace'],
  ['==', 'eq'],
  ['!=', 'ne'],
  ['>', 'gt'],
  ['>=', 'gteq'],
  ['<', 'lt'],
  ['<=', 'lteq'],
  ['=', 'assign'],
  ['.', 'dot'],
  [':', 'colon'],
  ['|', 'pipe'],
  [',', 'comma'],
  [';', 'semicolon'],
]);

const REVERSE_OPERATORS = new Map([...OPERATORS].map(([k, v]) => [v, k]));

const TOKEN_DESCRIPTIONS: Record<string, string> = {
  comment_begin: 'begin of comment',
  comment_end: 'end of comment',
  comment: 'comment',
  block_begin: 'begin of statement block',
  block_end: 'end of statement block',
  variable_begin: 'begin of print statement',
  variable_end: 'end of print statement',
  data: 'template data / text',
  eof: 'end of template',
};

function describeTokenType(type: string): string {
  return REVERSE_OPERATORS.get(type) ?? TOKEN_DESCRIPTIONS[type] ?? type;
}

/** Jinja2's `describe_token`: a name's value, otherwise a readable token type. */
export function describeToken(token: Token): string {
  if (token.type === 'name') return String(token.value);
  return describeTokenType(token.type);
}

/** Jinja2's `describe_token_expr` for `type` or `type:value` expressions. */
export function describeTokenExpr(expr: string): string {
  const colon = expr.indexOf(':');
  if (colon >= 0) {
    const type = expr.slice(0, colon);
    if (type === 'name') return expr.slice(colon + 1);
    return describeTokenType(type);
  }
  return describeTokenType(expr);
}

const OPERATOR_RE = new RegExp(
  [...OPERATORS.keys()]
    .sort((a, b) => b.length - a.length)
    .map((op) => op.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('|'),
  'y',
);
/** Python's `\s` for str patterns (what `str.isspace()` accepts), which differs from JS's `\s`. */
const WS =
  '[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const WHITESPACE_RE = new RegExp(`${WS}+`, 'y');
const FLOAT_RE = /(?<!\.)(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?e[+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/iy;
const INTEGER_RE = /0b(?:_?[01])+|0o(?:_?[0-7])+|0x(?:_?[\da-f])+|[1-9](?:_?\d)*|0(?:_?0)*/iy;
const NAME_RE = /[\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}\p{Nl}\u00b7]+/uy;
const IDENTIFIER_RE = /^[\p{L}\p{Nl}_][\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}\p{Nl}\u00b7]*$/u;
const STRING_RE = /'([^'\\]*(?:\\.[^'\\]*)*)'|"([^"\\]*(?:\\.[^"\\]*)*)"/sy;
const RAW_BEGIN_RE = new RegExp(`\\{%([-+]?)${WS}*raw${WS}*(?:-%\\}${WS}*|%\\})`, 'y');
const RAW_END_RE = new RegExp(`\\{%([-+]?)${WS}*endraw${WS}*(?:\\+%\\}|-%\\}${WS}*|%\\}\\n?)`, 'g');
const BLOCK_END_RE = new RegExp(`\\+%\\}|-%\\}${WS}*|%\\}\\n?`, 'y');
const VARIABLE_END_RE = new RegExp(`-\\}\\}${WS}*|\\}\\}`, 'y');
const COMMENT_END_RE = new RegExp(`\\+#\\}|-#\\}${WS}*|#\\}\\n?`, 'g');
const ONLY_SPACE_RE = new RegExp(`^${WS}+$`);
const TRAILING_SPACE_RE = new RegExp(`${WS}+$`);

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** Python's `str.rstrip()` (Unicode whitespace). */
function rstripPy(s: string): string {
  return s.replace(TRAILING_SPACE_RE, '');
}

/**
 * Python's `unicode-escape` decoding of a string literal's body, as Jinja2 applies it
 * (after encoding non-ASCII characters with `backslashreplace`, so they pass through).
 */
export function unescapePyString(body: string): string {
  if (!body.includes('\\')) return body;
  let out = '';
  let i = 0;
  const n = body.length;
  while (i < n) {
    const ch = body[i] as string;
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    if (i + 1 >= n) throw new Error('\\ at end of string');
    const e = body[i + 1] as string;
    i += 2;
    switch (e) {
      case '\n':
        break;
      case '\\':
        out += '\\';
        break;
      case "'":
        out += "'";
        break;
      case '"':
        out += '"';
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
      case 'u':
      case 'U': {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = body.slice(i, i + len);
        if (hex.length < len || !/^[0-9a-fA-F]+$/.test(hex)) {
          throw new Error(`truncated \\${e}${'X'.repeat(len)} escape`);
        }
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) throw new Error('illegal Unicode character');
        out += String.fromCodePoint(cp);
        i += len;
        break;
      }
      case 'N': {
        const close = body.indexOf('}', i);
        if (body[i] !== '{' || close <= i + 1) throw new Error('malformed \\N character escape');
        const ch = lookupUnicodeName(body.slice(i + 1, close));
        if (ch === undefined) throw new Error('unknown Unicode character name');
        out += ch;
        i = close + 1;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          let j = i - 1;
          let digits = '';
          while (j < n && digits.length < 3 && (body[j] as string) >= '0' && (body[j] as string) <= '7') {
            digits += body[j];
            j++;
          }
          out += String.fromCodePoint(parseInt(digits, 8));
          i = j;
        } else {
          out += '\\' + e;
        }
    }
  }
  return out;
}

/** Jinja2's integer literal: `int(value.replace("_", ""), 0)`. */
function parseInteger(text: string): bigint {
  const clean = text.replace(/_/g, '').toLowerCase();
  if (clean.startsWith('0b') || clean.startsWith('0o') || clean.startsWith('0x')) {
    return BigInt(clean);
  }
  checkIntStrDigits(clean.length);
  return BigInt(clean);
}

/**
 * Tokenizes a template. Lexing errors are not thrown here: as Jinja2's lexer is a generator,
 * an error only surfaces when the parser reaches it, so it is stored as an `error` token whose
 * value is the message.
 */
export function tokenize(input: string): Token[] {
  const source = input.replace(/\r\n|\r/g, '\n');
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let lineStarting = true;
  const length = source.length;

  const push = (type: string, value: TokenValue, at: number): void => {
    tokens.push({ type, value, line: at });
  };
  const fail = (message: string, at: number): Token[] => {
    tokens.push({ type: 'error', value: message, line: at });
    return tokens;
  };

  while (pos < length) {
    // root state: find the next tag opener
    let start = -1;
    let kind = '';
    for (let i = source.indexOf('{', pos); i >= 0 && i < length; i = source.indexOf('{', i + 1)) {
      const next = source[i + 1];
      if (next === '%') {
        RAW_BEGIN_RE.lastIndex = i;
        kind = RAW_BEGIN_RE.test(source) ? 'raw_begin' : 'block_begin';
      } else if (next === '{') kind = 'variable_begin';
      else if (next === '#') kind = 'comment_begin';
      else continue;
      start = i;
      break;
    }
    if (start < 0) {
      push('data', source.slice(pos), line);
      break;
    }
    let text = source.slice(pos, start);
    const sign = source[start + 2] === '-' || source[start + 2] === '+' ? (source[start + 2] as string) : '';
    const originalNewlines = countNewlines(text);
    if (sign === '-') {
      text = rstripPy(text);
    } else if (sign !== '+' && kind !== 'variable_begin') {
      const lPos = text.lastIndexOf('\n') + 1;
      if ((lPos > 0 || lineStarting) && ONLY_SPACE_RE.test(text.slice(lPos))) text = text.slice(0, lPos);
    }
    if (text) push('data', text, line);
    line += originalNewlines;
    pos = start + 2 + sign.length;

    if (kind === 'raw_begin') {
      RAW_BEGIN_RE.lastIndex = start;
      const m = RAW_BEGIN_RE.exec(source) as RegExpExecArray;
      line += countNewlines(m[0]);
      pos = start + m[0].length;
      RAW_END_RE.lastIndex = pos;
      const end = RAW_END_RE.exec(source);
      if (!end) return fail('Missing end of raw directive', line);
      let raw = source.slice(pos, end.index);
      const rawNewlines = countNewlines(raw);
      const rawSign = end[1] as string;
      if (rawSign === '-') raw = rstripPy(raw);
      else if (rawSign !== '+') {
        const lPos = raw.lastIndexOf('\n') + 1;
        if ((lPos > 0 || m[0].endsWith('\n')) && ONLY_SPACE_RE.test(raw.slice(lPos)))
          raw = raw.slice(0, lPos);
      }
      if (raw) push('data', raw, line);
      line += rawNewlines + countNewlines(end[0]);
      pos = end.index + end[0].length;
      lineStarting = end[0].endsWith('\n');
      continue;
    }

    if (kind === 'comment_begin') {
      COMMENT_END_RE.lastIndex = pos;
      const end = COMMENT_END_RE.exec(source);
      if (!end) return fail('Missing end of comment tag', line);
      line += countNewlines(source.slice(pos, end.index)) + countNewlines(end[0]);
      pos = end.index + end[0].length;
      lineStarting = end[0].endsWith('\n');
      continue;
    }

    // block or variable state
    push(kind, kind === 'block_begin' ? '{%' : '{{', line);
    const endRe = kind === 'block_begin' ? BLOCK_END_RE : VARIABLE_END_RE;
    const endType = kind === 'block_begin' ? 'block_end' : 'variable_end';
    const balancing: string[] = [];
    let closed = false;
    while (pos < length) {
      if (balancing.length === 0) {
        endRe.lastIndex = pos;
        const m = endRe.exec(source);
        if (m) {
          push(endType, m[0], line);
          line += countNewlines(m[0]);
          pos += m[0].length;
          lineStarting = m[0].endsWith('\n');
          closed = true;
          break;
        }
      }
      WHITESPACE_RE.lastIndex = pos;
      let m = WHITESPACE_RE.exec(source);
      if (m) {
        line += countNewlines(m[0]);
        pos += m[0].length;
        continue;
      }
      FLOAT_RE.lastIndex = pos;
      m = FLOAT_RE.exec(source);
      if (m) {
        push('float', Number(m[0].replace(/_/g, '')), line);
        pos += m[0].length;
        continue;
      }
      INTEGER_RE.lastIndex = pos;
      m = INTEGER_RE.exec(source);
      if (m) {
        push('integer', parseInteger(m[0]), line);
        pos += m[0].length;
        continue;
      }
      NAME_RE.lastIndex = pos;
      m = NAME_RE.exec(source);
      if (m) {
        if (!IDENTIFIER_RE.test(m[0])) return fail('Invalid character in identifier', line);
        push('name', m[0], line);
        pos += m[0].length;
        continue;
      }
      STRING_RE.lastIndex = pos;
      m = STRING_RE.exec(source);
      if (m) {
        const body = (m[1] ?? m[2] ?? '').replace(/\r\n|\r/g, '\n');
        let value: string;
        try {
          value = unescapePyString(body);
        } catch (error) {
          return fail((error as Error).message, line);
        }
        push('string', value, line);
        line += countNewlines(m[0]);
        pos += m[0].length;
        continue;
      }
      OPERATOR_RE.lastIndex = pos;
      m = OPERATOR_RE.exec(source);
      if (m) {
        const op = m[0];
        if (op === '{') balancing.push('}');
        else if (op === '(') balancing.push(')');
        else if (op === '[') balancing.push(']');
        else if (op === '}' || op === ')' || op === ']') {
          const expected = balancing.pop();
          if (expected === undefined) return fail(`unexpected '${op}'`, line);
          if (expected !== op) return fail(`unexpected '${op}', expected '${expected}'`, line);
        }
        push(OPERATORS.get(op) as string, op, line);
        pos += op.length;
        continue;
      }
      return fail(
        `unexpected char ${strRepr(String.fromCodePoint(source.codePointAt(pos) as number))} at ${[...source.slice(0, pos)].length}`,
        line,
      );
    }
    if (!closed) break;
  }
  return tokens;
}

/** The parser's view of the token list: Jinja2's `TokenStream`. */
export class TokenStream {
  private index = 0;
  current: Token;
  private readonly eof: Token;

  constructor(
    private readonly tokens: Token[],
    private readonly name: string | undefined,
  ) {
    const last = tokens[tokens.length - 1];
    this.eof = { type: 'eof', value: '', line: last ? last.line : 1 };
    this.current = this.at(0);
  }

  private at(i: number): Token {
    const token = this.tokens[i];
    if (token === undefined) {
      const prev = this.tokens[i - 1];
      return prev ? { type: 'eof', value: '', line: prev.line } : this.eof;
    }
    if (token.type === 'error') {
      throw new TemplateSyntaxError(String(token.value), { template: this.name, line: token.line });
    }
    return token;
  }

  /** Go one token ahead and return the old one. */
  next(): Token {
    const rv = this.current;
    if (rv.type !== 'eof') {
      this.index++;
      this.current = this.at(this.index);
    }
    return rv;
  }

  /** The token after the current one. */
  look(): Token {
    return this.current.type === 'eof' ? this.current : this.at(this.index + 1);
  }

  skip(n = 1): void {
    for (let i = 0; i < n; i++) this.next();
  }

  /** Whether the current token matches `type` or `type:value`. */
  test(expr: string, token: Token = this.current): boolean {
    return testToken(token, expr);
  }

  testAny(...exprs: string[]): boolean {
    return exprs.some((e) => testToken(this.current, e));
  }

  nextIf(expr: string): Token | undefined {
    if (testToken(this.current, expr)) return this.next();
    return undefined;
  }

  skipIf(expr: string): boolean {
    return this.nextIf(expr) !== undefined;
  }

  expect(expr: string): Token {
    if (!testToken(this.current, expr)) {
      const described = describeTokenExpr(expr);
      if (this.current.type === 'eof') {
        throw new TemplateSyntaxError(`unexpected end of template, expected '${described}'.`, {
          template: this.name,
          line: this.current.line,
        });
      }
      throw new TemplateSyntaxError(`expected token '${described}', got '${describeToken(this.current)}'`, {
        template: this.name,
        line: this.current.line,
      });
    }
    return this.next();
  }
}

/** Jinja2's `Token.test`. */
export function testToken(token: Token, expr: string): boolean {
  if (token.type === expr) return true;
  const colon = expr.indexOf(':');
  if (colon >= 0) return expr.slice(0, colon) === token.type && expr.slice(colon + 1) === token.value;
  return false;
}
