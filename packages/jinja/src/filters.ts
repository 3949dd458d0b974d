/**
 * Every builtin filter of Jinja2 3.1, following `jinja2/filters.py` line by line (argument
 * names, defaults, laziness of the generator filters, error types), plus Slipway's documented
 * extras `to_yaml`, `b64encode` and `b64decode`.
 */
import { stringify } from 'yaml';
import { arg, bindArgs, checkBuiltinArgs, type Bound, type Param, type Signature } from './args.ts';
import { PyException, type PyExceptionType } from './errors.ts';
import { formatValue, roundFloat } from './format.ts';
import {
  DictView,
  registerMarkupMethods,
  splitLines,
  strCapitalize,
  strSplit,
  strStrip,
  strReplace,
} from './methods.ts';
import { binop, escapeHtml, intToFloat } from './ops.ts';
import {
  Markup,
  PyIterator,
  PyObject,
  PyRange,
  PySlice,
  PyTuple,
  Undefined,
  codePoints,
  compareNumbers,
  dictHas,
  dictSet,
  floatRepr,
  checkIntStrDigits,
  getItem,
  intStr,
  isIntLike,
  isNumber,
  pyCompare,
  pySorted,
  pyEq,
  pyGetAttr,
  pyIter,
  pyLen,
  pyOrder,
  pyRepr,
  pyStr,
  strLen,
  strRepr,
  toJS,
  truthy,
  typeName,
  type CallContext,
  type FilterFunction,
  type PyDict,
  type PyValue,
} from './values.ts';

// ---------------------------------------------------------------------------------------------
// Shared helpers

function raise(type: PyExceptionType | 'AssertionError', message: string): never {
  throw new PyException(type as PyExceptionType, message);
}

/** markupsafe's `soft_str`: str and Markup unchanged, anything else through `str()`. */
function softStr(v: PyValue): string {
  if (typeof v === 'string') return v;
  if (v instanceof Markup) return v.value;
  return pyStr(v);
}

/** markupsafe's `escape`. */
export function escape(v: PyValue): Markup {
  if (v instanceof Markup) return v;
  if (v instanceof Undefined) return v.fail();
  return new Markup(escapeHtml(pyStr(v)));
}

function isStr(v: PyValue): v is string | Markup {
  return typeof v === 'string' || v instanceof Markup;
}

/** `operator.index(v)`: an int argument where Python requires one. */
function needInt(v: PyValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (v instanceof Undefined) return v.fail();
  return raise('TypeError', `'${typeName(v)}' object cannot be interpreted as an integer`);
}

function gen(functionName: string, body: () => Generator<PyValue>): PyIterator {
  return new PyIterator(body(), 'generator', functionName);
}

function ignoreCase(v: PyValue): PyValue {
  if (typeof v === 'string') return v.toLowerCase();
  if (v instanceof Markup) return new Markup(v.value.toLowerCase());
  return v;
}

function attributeParts(attr: PyValue): PyValue[] {
  if (attr === null) return [];
  if (typeof attr === 'string') {
    // Jinja2: int(part) for a digit part, which CPython refuses past 4300 digits.
    return attr.split('.').map((x) => (/^\d+$/.test(x) ? (checkIntStrDigits(x.length), BigInt(x)) : x));
  }
  if (attr instanceof Markup) return attributeParts(attr.value);
  return [attr];
}

type Getter = (item: PyValue) => PyValue;

/** Jinja2's `make_attrgetter`: dotted paths, integer parts, optional default and postprocess. */
function makeAttrGetter(
  ctx: CallContext,
  attribute: PyValue,
  postprocess?: (v: PyValue) => PyValue,
  dflt: PyValue = null,
): Getter {
  const parts = attributeParts(attribute);
  return (item) => {
    let v = item;
    for (const part of parts) {
      v = getItem(v, part, ctx);
      if (dflt !== null && v instanceof Undefined) v = dflt;
    }
    return postprocess ? postprocess(v) : v;
  };
}

/** Jinja2's `make_multi_attrgetter`: `"a,b.c"` gives a list of keys. */
function makeMultiAttrGetter(
  ctx: CallContext,
  attribute: PyValue,
  postprocess?: (v: PyValue) => PyValue,
): Getter {
  const split: PyValue[] = typeof attribute === 'string' ? attribute.split(',') : [attribute];
  const parts = split.map(attributeParts);
  return (item) =>
    parts.map((ps) => {
      let v = item;
      for (const p of ps) v = getItem(v, p, ctx);
      return postprocess ? postprocess(v) : v;
    });
}

/** `sorted(..., reverse=x)` takes an int-like flag (TypeError otherwise, before sorting). */
function sortReverse(v: PyValue): boolean {
  return needInt(v) !== 0n;
}

/** Python's `sorted(items, key=key, reverse=reverse)`. */
function sortedBy(items: PyValue[], key: Getter, reverse: boolean): PyValue[] {
  return pySorted(items, key, reverse);
}

/** Iterates `v`, counting every 1024 items against the render budget. */
function* ticking(ctx: CallContext, v: PyValue): Generator<PyValue> {
  let n = 0;
  for (const x of pyIter(v)) {
    if (++n === 1024) {
      ctx.tick(n);
      n = 0;
    }
    yield x;
  }
}

function materialize(ctx: CallContext, v: PyValue): PyValue[] {
  if (v instanceof PyRange) ctx.tick(Number(v.length > 10_000_000n ? 10_000_001n : v.length));
  const out: PyValue[] = [];
  for (const x of pyIter(v)) {
    out.push(x);
    if ((out.length & 0x3ff) === 0) ctx.tick(1024);
  }
  return out;
}

/** Unicode decimal digits (`१२`) as ASCII ones, as Python's int() and float() read them. */
function asciiDigits(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s)) return s;
  return Array.from(s, (c) => {
    if (c >= '0' && c <= '9') return c;
    if (!/\p{Nd}/u.test(c)) return c;
    let cp = c.codePointAt(0) ?? 0;
    let start = cp;
    while (start > 0 && /\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
    cp = (cp - start) % 10;
    return String(cp);
  }).join('');
}

/** Python's `float(x)` for str/int/float/bool. */
export function pyFloat(v: PyValue): number {
  if (typeof v === 'number') return v;
  if (isIntLike(v)) return intToFloat(v);
  if (isStr(v)) {
    const s = typeof v === 'string' ? v : v.value;
    const f = parseFloatStr(s);
    if (f === undefined) raise('ValueError', `could not convert string to float: ${pyRepr(v)}`);
    return f;
  }
  if (v instanceof Undefined) return v.fail();
  return raise('TypeError', `float() argument must be a string or a real number, not '${typeName(v)}'`);
}

function parseFloatStr(raw: string): number | undefined {
  const s = asciiDigits(strStrip(raw, null, true, true));
  const m =
    /^([+-]?)(?:(inf(?:inity)?)|(nan)|((?:\d(?:_?\d)*)?(?:\.(?:\d(?:_?\d)*)?)?(?:[eE][+-]?\d(?:_?\d)*)?))$/i.exec(
      s,
    );
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  if (m[2]) return sign * Infinity;
  if (m[3]) return NaN;
  const body = (m[4] ?? '').replace(/_/g, '');
  if (!/\d/.test(body.replace(/[eE].*$/, ''))) return undefined;
  return sign * Number(body);
}

/** Python's `int(s, base)` for a str. */
function parseIntStr(raw: string, baseIn: bigint): bigint {
  let base = Number(baseIn);
  if (base !== 0 && (base < 2 || base > 36)) raise('ValueError', 'int() base must be >= 2 and <= 36, or 0');
  let s = asciiDigits(strStrip(raw, null, true, true));
  const bad = (): never =>
    raise('ValueError', `invalid literal for int() with base ${base}: ${strRepr(raw)}`);
  let neg = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    neg = s.startsWith('-');
    s = s.slice(1);
  }
  const prefix = /^0([xob])/i.exec(s);
  if (prefix) {
    const p = (prefix[1] ?? '').toLowerCase();
    const pb = p === 'x' ? 16 : p === 'o' ? 8 : 2;
    if (base === 0 || base === pb) {
      base = pb;
      s = s.slice(2);
      if (s.startsWith('_')) s = s.slice(1);
    }
  }
  if (base === 0) {
    if (/^0+(_?0)*$/.test(s)) return 0n;
    if (s.startsWith('0')) bad();
    base = 10;
  }
  if (!/^[0-9a-z]+(_[0-9a-z]+)*$/i.test(s)) bad();
  const digits = s.replace(/_/g, '').toLowerCase();
  if (base !== 2 && base !== 4 && base !== 8 && base !== 16 && base !== 32) checkIntStrDigits(digits.length);
  let n = 0n;
  const b = BigInt(base);
  for (const c of digits) {
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || d >= base) bad();
    n = n * b + BigInt(d);
  }
  return neg ? -n : n;
}

// ---------------------------------------------------------------------------------------------
// Registration

const FILTERS = new Map<string, FilterFunction>();

function sig(name: string, params: Param[], implicit = 0, extra: Partial<Signature> = {}): Signature {
  return { name, params, implicit, ...extra };
}

function def(names: string[], signature: Signature, impl: (ctx: CallContext, b: Bound) => PyValue): void {
  const f: FilterFunction = (ctx, value, args, kwargs) =>
    impl(ctx, bindArgs(signature, [value, ...args], kwargs));
  for (const n of names) FILTERS.set(n, f);
}

/** A C builtin used as a filter (`abs`, `len`, `escape`): one argument, no keywords. */
function defBuiltin(names: string[], pyName: string, impl: (ctx: CallContext, v: PyValue) => PyValue): void {
  const f: FilterFunction = (ctx, value, args, kwargs) => {
    checkBuiltinArgs(pyName, 1, [value, ...args], kwargs);
    return impl(ctx, value);
  };
  for (const n of names) FILTERS.set(n, f);
}

// ---------------------------------------------------------------------------------------------
// Simple string filters

/** markupsafe keeps Markup through str methods: `Markup.upper()` is Markup. */
function sameKind(input: PyValue, out: string): PyValue {
  return input instanceof Markup ? new Markup(out) : out;
}

def(['upper'], sig('do_upper', ['s']), (_c, b) => sameKind(arg(b, 's'), softStr(arg(b, 's')).toUpperCase()));
def(['lower'], sig('do_lower', ['s']), (_c, b) => sameKind(arg(b, 's'), softStr(arg(b, 's')).toLowerCase()));
def(['capitalize'], sig('do_capitalize', ['s']), (_c, b) =>
  sameKind(arg(b, 's'), strCapitalize(softStr(arg(b, 's')))),
);

/** Python's `str.isspace` set, as `\s` in Python's `re` sees it. */
const PY_WS =
  '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const TITLE_SPLIT = new RegExp(`([-${PY_WS.slice(1, -1)}({\\[<]+)`, 'u');

def(['title'], sig('do_title', ['s']), (_c, b) => {
  const parts = softStr(arg(b, 's')).split(TITLE_SPLIT);
  return parts
    .filter((p) => p !== '')
    .map((p) => {
      const cps = codePoints(p);
      return (cps[0] ?? '').toUpperCase() + cps.slice(1).join('').toLowerCase();
    })
    .join('');
});

def(['trim'], sig('do_trim', ['value', ['chars', null]]), (_c, b) => {
  const chars = arg(b, 'chars');
  if (chars !== null && !isStr(chars)) {
    if (chars instanceof Undefined) chars.fail();
    raise('TypeError', `strip arg must be None or str`);
  }
  const value = arg(b, 'value');
  return sameKind(value, strStrip(softStr(value), chars === null ? null : softStr(chars), true, true));
});

def(['center'], sig('do_center', ['value', ['width', 80n]]), (ctx, b) => {
  const s = softStr(arg(b, 'value'));
  const width = needInt(arg(b, 'width'));
  const len = strLen(s);
  if (width <= BigInt(len)) return sameKind(arg(b, 'value'), s);
  ctx.tick(Number(width) - len);
  const marg = Number(width) - len;
  const left = Math.floor(marg / 2) + (marg & Number(width) & 1);
  return sameKind(arg(b, 'value'), ' '.repeat(left) + s + ' '.repeat(marg - left));
});

def(['replace'], sig('do_replace', ['s', 'old', 'new', ['count', null]], 1), (ctx, b) => {
  const count = arg(b, 'count');
  const n = count === null ? -1 : Number(needInt(count));
  const sv = arg(b, 's');
  const oldV = arg(b, 'old');
  const newV = arg(b, 'new');
  if (ctx.autoescape === true) {
    // Jinja2's autoescape path: the result is Markup, escaping whatever is not Markup already.
    const html = (v: PyValue): boolean => v instanceof Markup;
    const base =
      (html(oldV) || html(newV)) && !html(sv)
        ? escape(sv).value
        : sv instanceof Markup
          ? sv.value
          : softStr(sv);
    const asMarkup = html(sv) || ((html(oldV) || html(newV)) && !html(sv));
    const esc = (v: PyValue): string => (asMarkup ? escape(v).value : softStr(v));
    const out = strReplace(base, esc(oldV), esc(newV), n);
    ctx.tick(Math.floor(out.length / 1024));
    return asMarkup ? new Markup(out) : out;
  }
  const out = strReplace(pyStr(sv), pyStr(oldV), pyStr(newV), n);
  ctx.tick(Math.floor(out.length / 1024));
  return out;
});

def(['wordcount'], sig('do_wordcount', ['s']), (_c, b) => {
  const m = softStr(arg(b, 's')).match(/[\p{L}\p{N}_]+/gu);
  return BigInt(m ? m.length : 0);
});

def(['format'], sig('do_format', ['value'], 0, { varargs: true, varkw: true }), (_c, b) => {
  if (b.rest.length > 0 && b.extra.size > 0) {
    raise('FilterArgumentError', "can't handle positional and keyword arguments at the same time");
  }
  // soft_str keeps a Markup a Markup, whose `%` escapes the arguments.
  const raw = arg(b, 'value');
  const value = raw instanceof Markup ? raw : softStr(raw);
  const fmtArgs: PyValue = b.extra.size > 0 ? new Map<PyValue, PyValue>(b.extra) : new PyTuple(b.rest);
  return binop('%', value, fmtArgs);
});

def(
  ['truncate'],
  sig('do_truncate', ['s', ['length', 255n], ['killwords', false], ['end', '...'], ['leeway', null]], 1),
  (_c, b) => {
    const s = arg(b, 's');
    const length = arg(b, 'length');
    const end = arg(b, 'end');
    let leeway = arg(b, 'leeway');
    if (leeway === null) leeway = 5n;
    const endLen = BigInt(pyLen(end));
    if (!pyOrder('>=', length, endLen)) {
      raise('AssertionError', `expected length >= ${endLen}, got ${pyStr(length)}`);
    }
    if (!pyOrder('>=', leeway, 0n)) raise('AssertionError', `expected leeway >= 0, got ${pyStr(leeway)}`);
    const len = BigInt(pyLen(s));
    if (pyOrder('<=', len, binop('+', length, leeway))) return s;
    const str = softStr(s);
    const cps = codePoints(str);
    const cut = Number(needInt(binop('-', length, endLen)));
    const head = cut >= 0 ? cps.slice(0, cut).join('') : cps.slice(0, Math.max(0, cps.length + cut)).join('');
    const endStr = pyStr(end);
    if (truthy(arg(b, 'killwords'))) return head + endStr;
    const i = head.lastIndexOf(' ');
    return (i < 0 ? head : head.slice(0, i)) + endStr;
  },
);

def(['indent'], sig('do_indent', ['s', ['width', 4n], ['first', false], ['blank', false]]), (ctx, b) => {
  const sv = arg(b, 's');
  const width = arg(b, 'width');
  let indention: string;
  if (isStr(width)) indention = softStr(width);
  else {
    if (isIntLike(width)) ctx.tick(Number(needInt(width) > 0n ? needInt(width) : 0n) >> 10);
    indention = softStr(binop('*', ' ', width));
  }
  if (Array.isArray(sv)) raise('AttributeError', "'list' object has no attribute 'splitlines'");
  if (!isStr(sv)) {
    if (sv instanceof Undefined) sv.fail();
    if (sv instanceof PyTuple) raise('TypeError', 'can only concatenate tuple (not "str") to tuple');
    raise('TypeError', `unsupported operand type(s) for +=: '${typeName(sv)}' and 'str'`);
  }
  const s = softStr(sv) + '\n';
  const lines = splitLinesPy(s);
  let rv: string;
  if (truthy(arg(b, 'blank'))) rv = lines.join('\n' + indention);
  else {
    rv = lines.shift() ?? '';
    if (lines.length > 0) rv += '\n' + lines.map((l) => (l ? indention + l : l)).join('\n');
  }
  if (truthy(arg(b, 'first'))) rv = indention + rv;
  ctx.tick(Math.floor(rv.length / 1024));
  return sv instanceof Markup ? new Markup(rv) : rv;
});

function splitLinesPy(s: string): string[] {
  // eslint-disable-next-line no-control-regex -- Python's str.splitlines boundaries
  const parts = s.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

// ---------------------------------------------------------------------------------------------
// wordwrap (Python's textwrap with expand_tabs=False, replace_whitespace=False)

const TW_WS = '[\\t\\n\\v\\f\\r ]';
const TW_NWS = '[^\\t\\n\\v\\f\\r ]';
const TW_WP = `[\\p{L}\\p{N}_!"'&.,?]`;
const TW_LT = '[\\p{L}\\p{Nl}\\p{No}_]';
const WORDSEP = new RegExp(
  `(${TW_WS}+|(?<=${TW_WP})-{2,}(?=[\\p{L}\\p{N}_])|${TW_NWS}+?(?:-(?:(?<=${TW_LT}{2}-)|(?<=${TW_LT}-${TW_LT}-))(?=${TW_LT}-?${TW_LT})|(?=${TW_WS}|$)|(?<=${TW_WP})(?=-{2,}[\\p{L}\\p{N}_])))`,
  'u',
);
const WORDSEP_SIMPLE = new RegExp(`(${TW_WS}+)`, 'u');

function floatOrInt(n: number): string {
  return Number.isInteger(n) ? String(n) : floatRepr(n);
}

function textwrap(
  ctx: CallContext,
  text: string,
  width: number,
  breakLong: boolean,
  breakOnHyphens: boolean,
): string[] {
  const chunks = text.split(breakOnHyphens ? WORDSEP : WORDSEP_SIMPLE).filter((c) => c !== '');
  const lines: string[] = [];
  if (width <= 0) raise('ValueError', `invalid width ${floatOrInt(width)} (must be > 0)`);
  chunks.reverse();
  const isBlank = (c: string): boolean => strStrip(c, null, true, true) === '';
  while (chunks.length > 0) {
    // A NaN width never consumes a chunk (Python loops forever): the budget ends it.
    ctx.tick();
    const cur: string[] = [];
    let curLen = 0;
    if (lines.length > 0 && isBlank(chunks[chunks.length - 1] as string)) chunks.pop();
    while (chunks.length > 0) {
      const l = strLen(chunks[chunks.length - 1] as string);
      if (curLen + l <= width) {
        cur.push(chunks.pop() as string);
        curLen += l;
      } else break;
    }
    if (chunks.length > 0 && strLen(chunks[chunks.length - 1] as string) > width) {
      const spaceLeft = width < 1 ? 1 : width - curLen;
      if (breakLong) {
        if (!Number.isInteger(spaceLeft)) {
          raise('TypeError', 'slice indices must be integers or None or have an __index__ method');
        }
        let end = spaceLeft;
        const chunk = codePoints(chunks[chunks.length - 1] as string);
        if (breakOnHyphens && chunk.length > spaceLeft) {
          const hyphen = chunk.slice(0, spaceLeft).lastIndexOf('-');
          if (hyphen > 0 && chunk.slice(0, hyphen).some((c) => c !== '-')) end = hyphen + 1;
        }
        cur.push(chunk.slice(0, end).join(''));
        chunks[chunks.length - 1] = chunk.slice(end).join('');
      } else if (cur.length === 0) {
        cur.push(chunks.pop() as string);
      }
    }
    if (cur.length > 0 && isBlank(cur[cur.length - 1] as string)) cur.pop();
    if (cur.length > 0) lines.push(cur.join(''));
  }
  return lines;
}

def(
  ['wordwrap'],
  sig(
    'do_wordwrap',
    ['s', ['width', 79n], ['break_long_words', true], ['wrapstring', null], ['break_on_hyphens', true]],
    1,
  ),
  (ctx, b) => {
    const ws = arg(b, 'wrapstring');
    if (ws !== null && !isStr(ws)) {
      if (ws instanceof Undefined) ws.fail();
      raise('AttributeError', `'${typeName(ws)}' object has no attribute 'join'`);
    }
    const wrapstring = ws === null ? '\n' : softStr(ws);
    const sv = arg(b, 's');
    if (!isStr(sv)) {
      if (sv instanceof Undefined) sv.fail();
      raise('AttributeError', `'${typeName(sv)}' object has no attribute 'splitlines'`);
    }
    const s = softStr(sv);
    const widthV = arg(b, 'width');
    const lines = splitLinesPy(s);
    // TextWrapper checks its width only when it wraps a line: "" wraps with any width.
    if (lines.length === 0) return '';
    if (!isNumber(widthV)) pyOrder('<=', widthV, 0n);
    const width = typeof widthV === 'number' ? widthV : Number(needInt(widthV as bigint | boolean));
    const breakLong = truthy(arg(b, 'break_long_words'));
    const hyph = arg(b, 'break_on_hyphens') === true;
    const out = lines
      .map((line) => textwrap(ctx, line, width, breakLong, hyph).join(wrapstring))
      .join(wrapstring);
    ctx.tick(Math.floor(out.length / 1024));
    return out;
  },
);

// ---------------------------------------------------------------------------------------------
// Escaping and HTML

def(['e', 'escape'], sig('escape', ['s']), (_c, b) => escape(arg(b, 's')));
def(['forceescape'], sig('do_forceescape', ['value']), (_c, b) => {
  const v = arg(b, 'value');
  return new Markup(escapeHtml(v instanceof Markup ? v.value : pyStr(v)));
});
def(['safe'], sig('do_mark_safe', ['value']), (_c, b) => {
  const v = arg(b, 'value');
  return v instanceof Markup ? v : new Markup(pyStr(v));
});
def(['string'], sig('soft_str', ['s']), (_c, b) => {
  const v = arg(b, 's');
  return isStr(v) ? v : pyStr(v);
});

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '©',
  reg: '®',
  trade: '™',
  raquo: '»',
  laquo: '«',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  bull: '•',
  middot: '·',
  deg: '°',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  sect: '§',
  para: '¶',
  times: '×',
  divide: '÷',
};

/** Python's `html.unescape` for numeric and the common named references. */
function htmlUnescape(s: string): string {
  return s.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);?/g, (m, ref: string) => {
    if (ref.startsWith('#')) {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (cp === 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return '\ufffd';
      return String.fromCodePoint(cp);
    }
    const v = Object.prototype.hasOwnProperty.call(ENTITIES, ref) ? ENTITIES[ref] : undefined;
    return v ?? m;
  });
}

/** markupsafe's `Markup.striptags()`: comments and tags out, whitespace collapsed, unescaped. */
function stripTags(text: string): string {
  let value = text;
  for (;;) {
    const start = value.indexOf('<!--');
    if (start < 0) break;
    const end = value.indexOf('-->', start);
    if (end < 0) break;
    value = value.slice(0, start) + value.slice(end + 3);
  }
  for (;;) {
    const start = value.indexOf('<');
    if (start < 0) break;
    const end = value.indexOf('>', start);
    if (end < 0) break;
    value = value.slice(0, start) + value.slice(end + 1);
  }
  value = strSplit(value, null).join(' ');
  return htmlUnescape(value);
}

def(['striptags'], sig('do_striptags', ['value']), (_c, b) => {
  const v = arg(b, 'value');
  return stripTags(v instanceof Markup ? v.value : pyStr(v));
});
registerMarkupMethods({ striptags: stripTags, unescape: htmlUnescape });

const ATTR_KEY_RE = /[\t\n\v\f\r\x20/>=\x1c-\x1f]/; // eslint-disable-line no-control-regex -- re.ASCII \s

def(['xmlattr'], sig('do_xmlattr', ['d', ['autospace', true]], 1), (ctx, b) => {
  const d = arg(b, 'd');
  if (!(d instanceof Map)) {
    if (d instanceof Undefined) d.fail();
    raise('AttributeError', `'${typeName(d)}' object has no attribute 'items'`);
  }
  const items: string[] = [];
  for (const [key, value] of d) {
    if (value === null || value instanceof Undefined) continue;
    const k = pyStr(key);
    if (typeof key === 'string' && ATTR_KEY_RE.test(key)) {
      raise('ValueError', `Invalid character in attribute name: ${pyRepr(key)}`);
    }
    items.push(`${escape(isStr(key) ? key : k).value}="${escape(value).value}"`);
  }
  let rv = items.join(' ');
  if (truthy(arg(b, 'autospace')) && rv) rv = ' ' + rv;
  return ctx.autoescape === true ? new Markup(rv) : rv;
});

function urlQuote(v: PyValue, forQs: boolean): string {
  const s = isStr(v) ? softStr(v) : pyStr(v);
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  for (const byte of bytes) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9_.\-~]/.test(c) || (!forQs && c === '/')) out += c;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return forQs ? out.replace(/%20/g, '+') : out;
}

def(['urlencode'], sig('do_urlencode', ['value']), (_c, b) => {
  const v = arg(b, 'value');
  if (isStr(v) || !isIterableValue(v)) return urlQuote(v, false);
  const pairs: string[] = [];
  const items: Iterable<PyValue> =
    v instanceof Map ? Array.from(v, ([k, x]) => new PyTuple([k, x])) : pyIter(v);
  for (const item of items) {
    const kv = unpack(item, 2);
    pairs.push(`${urlQuote(kv[0] as PyValue, true)}=${urlQuote(kv[1] as PyValue, true)}`);
  }
  return pairs.join('&');
});

function isIterableValue(v: PyValue): boolean {
  if (v instanceof Undefined) return v.lenient ? true : v.fail();
  return (
    typeof v === 'string' ||
    Array.isArray(v) ||
    v instanceof Map ||
    v instanceof PyTuple ||
    v instanceof Markup ||
    v instanceof PyRange ||
    (v instanceof PyObject && v.iter() !== undefined)
  );
}

/** Unpacks an item into exactly `n` values, with Python's ValueError messages. */
function unpack(item: PyValue, n: number): PyValue[] {
  if (!isIterableValue(item)) raise('TypeError', `cannot unpack non-iterable ${typeName(item)} object`);
  const vals = Array.from(pyIter(item));
  if (vals.length > n) raise('ValueError', `too many values to unpack (expected ${n})`);
  if (vals.length < n) raise('ValueError', `not enough values to unpack (expected ${n}, got ${vals.length})`);
  return vals;
}

const HTTP_RE = new RegExp(
  '^(' +
    '(https?://|www\\.)(([\\p{L}\\p{N}_%-]+\\.)+)?([a-z]{2,63}|xn--[\\p{L}\\p{N}_%]{2,59})' +
    '|([\\p{L}\\p{N}_%-]{2,63}\\.)+(com|net|int|edu|gov|org|info|mil)' +
    '|(https?://)((([\\d]{1,3})(\\.[\\d]{1,3}){3})|(\\[([\\da-f]{0,4}:){2}([\\da-f]{0,4}:?){1,6}\\]))' +
    `)(?::[\\d]{1,5})?(?:[/?#][^${PY_WS.slice(1, -1)}]*)?$`,
  'iu',
);
const EMAIL_RE = /^\S+@[\p{L}\p{N}_][\p{L}\p{N}_.-]*\.[\p{L}\p{N}_]+$/u;
const URI_SCHEME_RE = /^([\p{L}\p{N}_.+-]{2,}:(\/){0,2})$/u;

function urlize(
  text: string,
  trimUrlLimit: PyValue,
  rel: string | null,
  target: string | null,
  extraSchemes: string[] | null,
): string {
  const trim = (x: string): string => {
    if (trimUrlLimit === null || !pyOrder('>', BigInt(strLen(x)), trimUrlLimit)) return x;
    if (!isIntLike(trimUrlLimit)) {
      raise('TypeError', 'slice indices must be integers or None or have an __index__ method');
    }
    return `${pyStr(getItem(x, new PySlice(null, trimUrlLimit, null)))}...`;
  };
  // `text` arrives escaped (markupsafe.escape keeps Markup as it is).
  const words = text.split(new RegExp(`(${PY_WS}+)`, 'u'));
  const relAttr = rel ? ` rel="${escapeHtml(rel)}"` : '';
  const targetAttr = target ? ` target="${escapeHtml(target)}"` : '';
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    let head = '';
    let middle = word;
    let tail = '';
    let m = /^([(<]|&lt;)+/.exec(middle);
    if (m) {
      head = m[0];
      middle = middle.slice(m[0].length);
    }
    if ([')', '>', '.', ',', '\n', '&gt;'].some((e) => middle.endsWith(e))) {
      m = /([)>.,\n]|&gt;)+$/.exec(middle);
      if (m) {
        tail = m[0];
        middle = middle.slice(0, m.index);
      }
    }
    for (const [startChar, endChar] of [
      ['(', ')'],
      ['<', '>'],
      ['&lt;', '&gt;'],
    ] as const) {
      const startCount = middle.split(startChar).length - 1;
      if (startCount <= middle.split(endChar).length - 1) continue;
      const moves = Math.min(startCount, tail.split(endChar).length - 1);
      for (let k = 0; k < moves; k++) {
        const endIndex = tail.indexOf(endChar) + endChar.length;
        middle += tail.slice(0, endIndex);
        tail = tail.slice(endIndex);
      }
    }
    if (HTTP_RE.test(middle)) {
      if (middle.startsWith('https://') || middle.startsWith('http://')) {
        middle = `<a href="${middle}"${relAttr}${targetAttr}>${trim(middle)}</a>`;
      } else {
        middle = `<a href="https://${middle}"${relAttr}${targetAttr}>${trim(middle)}</a>`;
      }
    } else if (middle.startsWith('mailto:') && EMAIL_RE.test(middle.slice(7))) {
      middle = `<a href="${middle}">${middle.slice(7)}</a>`;
    } else if (
      middle.includes('@') &&
      !middle.startsWith('www.') &&
      !middle.startsWith('@') &&
      !middle.includes(':') &&
      EMAIL_RE.test(middle)
    ) {
      middle = `<a href="mailto:${middle}">${middle}</a>`;
    } else if (extraSchemes !== null) {
      for (const scheme of extraSchemes) {
        if (middle !== scheme && middle.startsWith(scheme)) {
          middle = `<a href="${middle}"${relAttr}${targetAttr}>${middle}</a>`;
        }
      }
    }
    words[i] = `${head}${middle}${tail}`;
  }
  return words.join('');
}

def(
  ['urlize'],
  sig(
    'do_urlize',
    [
      'value',
      ['trim_url_limit', null],
      ['nofollow', false],
      ['target', null],
      ['rel', null],
      ['extra_schemes', null],
    ],
    1,
  ),
  (ctx, b) => {
    const relV = arg(b, 'rel');
    if (truthy(relV) && !isStr(relV))
      raise('AttributeError', `'${typeName(relV)}' object has no attribute 'split'`);
    const relParts = new Set(strSplit(truthy(relV) ? softStr(relV) : '', null));
    if (truthy(arg(b, 'nofollow'))) relParts.add('nofollow');
    relParts.add('noopener');
    const rel = Array.from(relParts).sort().join(' ') || null;
    const targetV = arg(b, 'target');
    const extraV = arg(b, 'extra_schemes');
    const extra = extraV === null ? null : Array.from(pyIter(extraV), (x) => softStr(x));
    for (const scheme of extra ?? []) {
      if (!URI_SCHEME_RE.test(scheme))
        raise('FilterArgumentError', `${strRepr(scheme)} is not a valid URI scheme prefix.`);
    }
    const limit = arg(b, 'trim_url_limit');
    const rv = urlize(
      escape(arg(b, 'value')).value,
      limit,
      rel,
      truthy(targetV) ? pyStr(targetV) : null,
      extra,
    );
    return ctx.autoescape === true ? new Markup(rv) : rv;
  },
);

// ---------------------------------------------------------------------------------------------
// Numbers

defBuiltin(['abs'], 'abs', (_c, v) => {
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'bigint') return v < 0n ? -v : v;
  if (typeof v === 'number') return Math.abs(v);
  return raise('TypeError', `bad operand type for abs(): '${typeName(v)}'`);
});

def(['int'], sig('do_int', ['value', ['default', 0n], ['base', 10n]]), (_c, b) => {
  const value = arg(b, 'value');
  const dflt = arg(b, 'default');
  const base = arg(b, 'base');
  const viaFloat = (): PyValue => {
    try {
      const f = pyFloat(value);
      if (Number.isNaN(f)) return dflt;
      if (!Number.isFinite(f)) return dflt;
      return BigInt(Math.trunc(f));
    } catch (e) {
      if (e instanceof PyException && (e.pyType === 'TypeError' || e.pyType === 'ValueError')) return dflt;
      throw e;
    }
  };
  try {
    if (isStr(value)) {
      if (!isIntLike(base)) {
        if (base instanceof Undefined) base.fail();
        raise('TypeError', `'${typeName(base)}' object cannot be interpreted as an integer`);
      }
      return parseIntStr(softStr(value), needInt(base));
    }
    if (typeof value === 'bigint') return value;
    if (typeof value === 'boolean') return value ? 1n : 0n;
    if (typeof value === 'number') {
      if (Number.isNaN(value)) raise('ValueError', 'cannot convert float NaN to integer');
      if (!Number.isFinite(value)) raise('OverflowError', 'cannot convert float infinity to integer');
      return BigInt(Math.trunc(value));
    }
    if (value instanceof Undefined) return value.fail();
    raise(
      'TypeError',
      `int() argument must be a string, a bytes-like object or a real number, not '${typeName(value)}'`,
    );
  } catch (e) {
    if (e instanceof PyException && (e.pyType === 'TypeError' || e.pyType === 'ValueError'))
      return viaFloat();
    throw e;
  }
});

def(['float'], sig('do_float', ['value', ['default', 0.0]]), (_c, b) => {
  const value = arg(b, 'value');
  if (value instanceof Undefined) return value.fail();
  try {
    return pyFloat(value);
  } catch (e) {
    if (e instanceof PyException && (e.pyType === 'TypeError' || e.pyType === 'ValueError'))
      return arg(b, 'default');
    throw e;
  }
});

function pyRound(value: PyValue, precision: PyValue): PyValue {
  if (!isNumber(value)) raise('TypeError', `type ${typeName(value)} doesn't define __round__ method`);
  if (precision === null) {
    // round(x) with ndigits None gives an int.
    if (typeof value !== 'number') return typeof value === 'boolean' ? (value ? 1n : 0n) : value;
    if (Number.isNaN(value)) raise('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(value)) raise('OverflowError', 'cannot convert float infinity to integer');
    return BigInt(roundFloat(value, 0));
  }
  const nd = needInt(precision);
  if (typeof value === 'number') return roundFloat(value, Number(nd));
  if (isIntLike(value)) {
    const v = typeof value === 'boolean' ? (value ? 1n : 0n) : value;
    if (nd >= 0n) return v;
    const p = 10n ** -nd;
    const neg = v < 0n;
    const a = neg ? -v : v;
    const q = a / p;
    const r = a % p;
    let n = q;
    if (r * 2n > p || (r * 2n === p && (q & 1n) === 1n)) n += 1n;
    return (neg ? -n : n) * p;
  }
  return raise('TypeError', `type ${typeName(value)} doesn't define __round__ method`);
}

function mathCeilFloor(v: PyValue, ceil: boolean): bigint {
  if (isIntLike(v)) return typeof v === 'boolean' ? (v ? 1n : 0n) : v;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) raise('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(v)) raise('OverflowError', 'cannot convert float infinity to integer');
    return BigInt(ceil ? Math.ceil(v) : Math.floor(v));
  }
  if (v instanceof Undefined) return v.fail();
  return raise('TypeError', `must be real number, not ${typeName(v)}`);
}

def(['round'], sig('do_round', ['value', ['precision', 0n], ['method', 'common']]), (_c, b) => {
  const method = arg(b, 'method');
  if (Array.isArray(method) || method instanceof Map)
    raise('TypeError', `unhashable type: '${typeName(method)}'`);
  if (method !== 'common' && method !== 'ceil' && method !== 'floor') {
    raise('FilterArgumentError', 'method must be common, ceil or floor');
  }
  const value = arg(b, 'value');
  const precision = arg(b, 'precision');
  if (method === 'common') return pyRound(value, precision);
  const scale = binop('**', 10n, precision);
  return binop('/', mathCeilFloor(binop('*', value, scale), method === 'ceil'), scale);
});

def(['filesizeformat'], sig('do_filesizeformat', ['value', ['binary', false]]), (_c, b) => {
  const bytes = pyFloat(arg(b, 'value'));
  const binary = truthy(arg(b, 'binary'));
  const base = binary ? 1024 : 1000;
  const prefixes = binary
    ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB']
    : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes === 1) return '1 Byte';
  if (bytes < base) {
    if (!Number.isFinite(bytes)) {
      if (Number.isNaN(bytes)) raise('ValueError', 'cannot convert float NaN to integer');
      raise('OverflowError', 'cannot convert float infinity to integer');
    }
    return `${BigInt(Math.trunc(bytes))} Bytes`;
  }
  // Python compares the float with the exact int power, then divides by that int as a float.
  let unit = 0n;
  let prefix = '';
  for (let i = 0; i < prefixes.length; i++) {
    unit = BigInt(base) ** BigInt(i + 2);
    prefix = prefixes[i] as string;
    if (compareNumbers(bytes, unit) < 0) break;
  }
  return `${formatValue((base * bytes) / Number(unit), '.1f')} ${prefix}`;
});

// ---------------------------------------------------------------------------------------------
// Sequences

defBuiltin(['length', 'count'], 'len', (_c, v) => BigInt(pyLen(v)));

def(['list'], sig('sync_do_list', ['value']), (ctx, b) => materialize(ctx, arg(b, 'value')));

def(['first'], sig('sync_do_first', ['seq'], 1), (_c, b) => {
  for (const x of pyIter(arg(b, 'seq'))) return x;
  return new Undefined('', 'No first item, sequence was empty.');
});

function reversedItems(ctx: CallContext, v: PyValue): PyValue[] | undefined {
  if (Array.isArray(v)) return v.slice().reverse();
  if (v instanceof PyTuple) return v.items.slice().reverse();
  if (v instanceof Map) return Array.from(v.keys()).reverse();
  if (typeof v === 'string' || v instanceof Markup) return codePoints(softStr(v)).reverse();
  if (v instanceof PyRange) return materialize(ctx, v).reverse();
  if (v instanceof DictView) return Array.from(v.iter()).reverse();
  return undefined;
}

def(['last'], sig('do_last', ['seq'], 1), (ctx, b) => {
  const seq = arg(b, 'seq');
  if (seq instanceof Undefined) return seq.fail();
  if (seq instanceof PyRange)
    return seq.length > 0n ? seq.at(seq.length - 1n) : new Undefined('', 'No last item, sequence was empty.');
  const items = reversedItems(ctx, seq);
  if (items === undefined) raise('TypeError', `'${typeName(seq)}' object is not reversible`);
  return items.length > 0 ? (items[0] as PyValue) : new Undefined('', 'No last item, sequence was empty.');
});

def(['random'], sig('do_random', ['seq'], 1), (ctx, b) => {
  const seq = arg(b, 'seq');
  if (seq instanceof Undefined) return seq.fail();
  if (seq instanceof Map) {
    if (seq.size === 0) return new Undefined('', 'No random item, sequence was empty.');
    const key = BigInt(Math.floor(Math.random() * seq.size));
    const v = getItem(seq, key);
    if (v instanceof Undefined) raise('KeyError', key.toString());
    return v;
  }
  if (seq instanceof PyRange) {
    if (seq.length === 0n) return new Undefined('', 'No random item, sequence was empty.');
    const n = seq.length;
    const i =
      n <= 2n ** 52n
        ? BigInt(Math.floor(Math.random() * Number(n)))
        : BigInt(Math.floor(Math.random() * 2 ** 52)) % n;
    return seq.at(i);
  }
  pyLen(seq);
  const items = materialize(ctx, seq);
  if (items.length === 0) return new Undefined('', 'No random item, sequence was empty.');
  return items[Math.floor(Math.random() * items.length)] as PyValue;
});

def(['reverse'], sig('do_reverse', ['value']), (ctx, b) => {
  const v = arg(b, 'value');
  if (v instanceof Undefined) return v.fail();
  if (typeof v === 'string') return codePoints(v).reverse().join('');
  if (v instanceof Markup) return new Markup(codePoints(v.value).reverse().join(''));
  const items = reversedItems(ctx, v);
  if (items !== undefined) {
    const kind = Array.isArray(v)
      ? 'list_reverseiterator'
      : v instanceof Map
        ? 'dict_reversekeyiterator'
        : v instanceof PyRange
          ? 'range_iterator'
          : 'reversed';
    return new PyIterator(items[Symbol.iterator](), kind);
  }
  if (!isIterableValue(v)) raise('FilterArgumentError', 'argument must be iterable');
  return materialize(ctx, v).reverse();
});

def(['join'], sig('sync_do_join', ['value', ['d', ''], ['attribute', null]], 1), (ctx, b) => {
  let items: Iterable<PyValue> = ticking(ctx, arg(b, 'value'));
  const attribute = arg(b, 'attribute');
  if (attribute !== null) {
    const g = makeAttrGetter(ctx, attribute);
    items = Array.from(items, g);
  }
  const dv = arg(b, 'd');
  if (ctx.autoescape === true && dv instanceof Markup) {
    return new Markup(Array.from(items, (x) => escape(x).value).join(dv.value));
  }
  if (ctx.autoescape === true) {
    // Jinja2: with autoescape, any Markup item makes the whole join Markup with the rest escaped.
    const list = Array.from(items);
    if (list.some((x) => x instanceof Markup)) {
      return new Markup(list.map((x) => escape(x).value).join(escape(dv).value));
    }
    items = list;
  }
  const d = pyStr(dv);
  const parts: string[] = [];
  let size = 0;
  for (const x of items) {
    const s = pyStr(x);
    parts.push(s);
    size += s.length + d.length;
  }
  ctx.tick(Math.floor(size / 4096));
  return parts.join(d);
});

def(['batch'], sig('do_batch', ['value', 'linecount', ['fill_with', null]]), (ctx, b) => {
  const value = arg(b, 'value');
  const linecount = arg(b, 'linecount');
  const fill = arg(b, 'fill_with');
  return gen('do_batch', function* () {
    let tmp: PyValue[] = [];
    for (const item of ticking(ctx, value)) {
      if (pyEq(BigInt(tmp.length), linecount)) {
        yield tmp;
        tmp = [];
      }
      tmp.push(item);
    }
    if (tmp.length > 0) {
      if (fill !== null && pyCompare(BigInt(tmp.length), linecount) < 0) {
        const n = Number(needInt(binop('-', linecount, BigInt(tmp.length))));
        ctx.tick(n);
        for (let i = 0; i < n; i++) tmp.push(fill);
      }
      yield tmp;
    }
  });
});

def(['slice'], sig('sync_do_slice', ['value', 'slices', ['fill_with', null]]), (ctx, b) => {
  const value = arg(b, 'value');
  const slicesV = arg(b, 'slices');
  const fill = arg(b, 'fill_with');
  return gen('sync_do_slice', function* () {
    const seq = materialize(ctx, value);
    const length = BigInt(seq.length);
    const perSliceV = binop('//', length, slicesV);
    const withExtraV = binop('%', length, slicesV);
    const slices = needInt(slicesV);
    const perSlice = perSliceV as bigint;
    const withExtra = withExtraV as bigint;
    let offset = 0n;
    for (let n = 0n; n < slices; n++) {
      ctx.tick();
      const start = offset + n * perSlice;
      if (n < withExtra) offset += 1n;
      const end = offset + (n + 1n) * perSlice;
      const tmp = seq.slice(Number(start < 0n ? 0n : start), Number(end < 0n ? 0n : end));
      if (fill !== null && n >= withExtra) tmp.push(fill);
      yield tmp;
    }
  });
});

def(['sum'], sig('sync_do_sum', ['iterable', ['attribute', null], ['start', 0n]], 1), (ctx, b) => {
  let items: Iterable<PyValue> = ticking(ctx, arg(b, 'iterable'));
  const attribute = arg(b, 'attribute');
  if (attribute !== null) items = Array.from(items, makeAttrGetter(ctx, attribute));
  let rv = arg(b, 'start');
  if (isStr(rv)) raise('TypeError', "sum() can't sum strings [use ''.join(seq) instead]");
  for (const x of items) rv = binop('+', rv, x);
  return rv;
});

def(
  ['sort'],
  sig('do_sort', ['value', ['reverse', false], ['case_sensitive', false], ['attribute', null]], 1),
  (ctx, b) => {
    const items = materialize(ctx, arg(b, 'value'));
    const key = makeMultiAttrGetter(
      ctx,
      arg(b, 'attribute'),
      truthy(arg(b, 'case_sensitive')) ? undefined : ignoreCase,
    );
    return sortedBy(items, key, sortReverse(arg(b, 'reverse')));
  },
);

def(
  ['dictsort'],
  sig('do_dictsort', ['value', ['case_sensitive', false], ['by', 'key'], ['reverse', false]]),
  (_c, b) => {
    const value = arg(b, 'value');
    const by = arg(b, 'by');
    let pos: number;
    if (pyEq(by, 'key')) pos = 0;
    else if (pyEq(by, 'value')) pos = 1;
    else raise('FilterArgumentError', 'You can only sort by either "key" or "value"');
    if (!(value instanceof Map)) {
      if (value instanceof Undefined) value.fail();
      raise('AttributeError', `'${typeName(value)}' object has no attribute 'items'`);
    }
    const cs = truthy(arg(b, 'case_sensitive'));
    const items: PyValue[] = Array.from(value, ([k, v]) => new PyTuple([k, v]));
    return sortedBy(
      items,
      (item) => {
        const v = (item as PyTuple).items[pos] as PyValue;
        return cs ? v : ignoreCase(v);
      },
      sortReverse(arg(b, 'reverse')),
    );
  },
);

def(
  ['unique'],
  sig('sync_do_unique', ['value', ['case_sensitive', false], ['attribute', null]], 1),
  (ctx, b) => {
    const value = arg(b, 'value');
    const getter = makeAttrGetter(
      ctx,
      arg(b, 'attribute'),
      truthy(arg(b, 'case_sensitive')) ? undefined : ignoreCase,
    );
    return gen('sync_do_unique', function* () {
      const seen: PyDict = new Map();
      for (const item of ticking(ctx, value)) {
        const key = getter(item);
        if (!dictHas(seen, key)) {
          dictSet(seen, key, true);
          yield item;
        }
      }
    });
  },
);

function minOrMax(ctx: CallContext, b: Bound, max: boolean): PyValue {
  const items = materialize(ctx, arg(b, 'value'));
  if (items.length === 0) return new Undefined('', 'No aggregated item, sequence was empty.');
  const key = makeAttrGetter(
    ctx,
    arg(b, 'attribute'),
    truthy(arg(b, 'case_sensitive')) ? undefined : ignoreCase,
  );
  let best = items[0] as PyValue;
  let bestKey = key(best);
  for (let i = 1; i < items.length; i++) {
    const x = items[i] as PyValue;
    const k = key(x);
    if (pyOrder(max ? '>' : '<', k, bestKey)) {
      best = x;
      bestKey = k;
    }
  }
  return best;
}

def(['min'], sig('do_min', ['value', ['case_sensitive', false], ['attribute', null]], 1), (ctx, b) =>
  minOrMax(ctx, b, false),
);
def(['max'], sig('do_max', ['value', ['case_sensitive', false], ['attribute', null]], 1), (ctx, b) =>
  minOrMax(ctx, b, true),
);

const GROUP_FIELDS = ['grouper', 'list'] as const;

def(
  ['groupby'],
  sig('sync_do_groupby', ['value', 'attribute', ['default', null], ['case_sensitive', false]], 1),
  (ctx, b) => {
    const attribute = arg(b, 'attribute');
    const dflt = arg(b, 'default');
    const cs = truthy(arg(b, 'case_sensitive'));
    const expr = makeAttrGetter(ctx, attribute, cs ? undefined : ignoreCase, dflt);
    const items = sortedBy(materialize(ctx, arg(b, 'value')), expr, false);
    const groups: { key: PyValue; values: PyValue[] }[] = [];
    for (const item of items) {
      const k = expr(item);
      const last = groups[groups.length - 1];
      if (last && pyEq(last.key, k)) last.values.push(item);
      else groups.push({ key: k, values: [item] });
    }
    const output = cs ? undefined : makeAttrGetter(ctx, attribute, undefined, dflt);
    return groups.map(
      (g) =>
        new PyTuple([output ? output(g.values[0] as PyValue) : g.key, g.values], GROUP_FIELDS, '_GroupTuple'),
    );
  },
);

def(['items'], sig('do_items', ['value']), (_c, b) => {
  const value = arg(b, 'value');
  return gen('do_items', function* () {
    if (value instanceof Undefined) return;
    if (!(value instanceof Map)) raise('TypeError', 'Can only get item pairs from a mapping.');
    for (const [k, v] of value) yield new PyTuple([k, v]);
  });
});

def(['attr'], sig('do_attr', ['obj', 'name'], 1), (ctx, b) => {
  const obj = arg(b, 'obj');
  const name = arg(b, 'name');
  if (obj instanceof Undefined) return obj.fail();
  if (!isStr(name)) {
    if (name instanceof Undefined) name.fail();
    if (Array.isArray(name) || name instanceof Map)
      raise('TypeError', `unhashable type: '${typeName(name)}'`);
    raise('TypeError', `attribute name must be string, not '${typeName(name)}'`);
  }
  const n = softStr(name);
  if (n.startsWith('_')) {
    raise(
      'SecurityError' as PyExceptionType,
      `access to attribute ${strRepr(n)} of ${strRepr(typeName(obj))} object is unsafe.`,
    );
  }
  const v = pyGetAttr(obj, n, ctx);
  return v === undefined ? Undefined.missingAttr(obj, n) : v;
});

def(['default', 'd'], sig('do_default', ['value', ['default_value', ''], ['boolean', false]]), (_c, b) => {
  const value = arg(b, 'value');
  if (value instanceof Undefined || (truthy(arg(b, 'boolean')) && !truthy(value)))
    return arg(b, 'default_value');
  return value;
});

// ---------------------------------------------------------------------------------------------
// map / select / reject

function callFilter(
  ctx: CallContext,
  name: PyValue,
  item: PyValue,
  args: PyValue[],
  kwargs: Map<string, PyValue>,
): PyValue {
  const f = typeof name === 'string' ? ctx.filter(name) : undefined;
  if (f === undefined) raise('TemplateRuntimeError', `No filter named ${pyRepr(name)}.`);
  return f(ctx, item, args, kwargs);
}

function callTest(
  ctx: CallContext,
  name: PyValue,
  item: PyValue,
  args: PyValue[],
  kwargs: Map<string, PyValue>,
): boolean {
  const t = typeof name === 'string' ? ctx.test(name) : undefined;
  if (t === undefined) raise('TemplateRuntimeError', `No test named ${pyRepr(name)}.`);
  return t(ctx, item, args, kwargs);
}

FILTERS.set('map', (ctx, value, args, kwargsIn) =>
  gen('sync_do_map', function* () {
    if (!truthy(value)) return;
    const kwargs = new Map(kwargsIn);
    let func: Getter;
    if (args.length === 0 && kwargs.has('attribute')) {
      const attribute = kwargs.get('attribute') as PyValue;
      kwargs.delete('attribute');
      const dflt = kwargs.get('default') ?? null;
      kwargs.delete('default');
      if (kwargs.size > 0) {
        raise(
          'FilterArgumentError',
          `Unexpected keyword argument ${strRepr(kwargs.keys().next().value as string)}`,
        );
      }
      func = makeAttrGetter(ctx, attribute, undefined, dflt);
    } else {
      if (args.length === 0) raise('FilterArgumentError', 'map requires a filter argument');
      const name = args[0] as PyValue;
      const rest = args.slice(1);
      func = (item) => callFilter(ctx, name, item, rest, kwargs);
    }
    for (const item of ticking(ctx, value)) yield func(item);
  }),
);

function selectOrReject(functionName: string, select: boolean, lookupAttr: boolean): FilterFunction {
  return (ctx, value, args, kwargs) =>
    gen(functionName, function* () {
      if (!truthy(value)) return;
      let trans: Getter = (x) => x;
      let off = 0;
      if (lookupAttr) {
        if (args.length === 0) raise('FilterArgumentError', 'Missing parameter for attribute name');
        trans = makeAttrGetter(ctx, args[0] as PyValue);
        off = 1;
      }
      let func: (x: PyValue) => boolean;
      if (args.length > off) {
        const name = args[off] as PyValue;
        const rest = args.slice(off + 1);
        func = (x) => callTest(ctx, name, x, rest, kwargs);
      } else func = truthy;
      for (const item of ticking(ctx, value)) {
        if (func(trans(item)) === select) yield item;
      }
    });
}

FILTERS.set('select', selectOrReject('select_or_reject', true, false));
FILTERS.set('reject', selectOrReject('select_or_reject', false, false));
FILTERS.set('selectattr', selectOrReject('select_or_reject', true, true));
FILTERS.set('rejectattr', selectOrReject('select_or_reject', false, true));

// ---------------------------------------------------------------------------------------------
// pprint (Python's pprint.pformat, width 80, sorted dicts)

function safeSortedItems(d: PyDict): [PyValue, PyValue][] {
  const items = Array.from(d);
  try {
    return items.slice().sort((a, b) => pyCompare(a[0], b[0]));
  } catch {
    return items
      .slice()
      .sort((a, b) => (typeName(a[0]) < typeName(b[0]) ? -1 : typeName(a[0]) > typeName(b[0]) ? 1 : 0));
  }
}

function safeRepr(v: PyValue, active: Set<object> = new Set()): string {
  if ((Array.isArray(v) || v instanceof Map || v instanceof PyTuple) && active.has(v)) {
    return `<Recursion on ${typeName(v)}>`;
  }
  if (Array.isArray(v) || v instanceof Map || v instanceof PyTuple) {
    active.add(v);
    try {
      return safeReprInner(v, active);
    } finally {
      active.delete(v);
    }
  }
  return safeReprInner(v, active);
}

function safeReprInner(v: PyValue, active: Set<object>): string {
  const safeRepr_ = (x: PyValue): string => safeRepr(x, active);
  if (v instanceof Map) {
    if (v.size === 0) return '{}';
    return `{${safeSortedItems(v)
      .map(([k, x]) => `${safeRepr_(k)}: ${safeRepr_(x)}`)
      .join(', ')}}`;
  }
  if (Array.isArray(v)) return `[${v.map(safeRepr_).join(', ')}]`;
  if (v instanceof PyTuple && !v.fields) {
    if (v.items.length === 1) return `(${safeRepr_(v.items[0] as PyValue)},)`;
    return `(${v.items.map(safeRepr_).join(', ')})`;
  }
  return pyRepr(v);
}

function pformat(obj: PyValue): string {
  const width = 80;
  let out = '';
  const write = (s: string): void => {
    out += s;
  };
  const active = new Set<object>();
  const format = (o: PyValue, indent: number, allowance: number, level: number): void => {
    if ((Array.isArray(o) || o instanceof Map || o instanceof PyTuple) && active.has(o)) {
      write(`<Recursion on ${typeName(o)}>`);
      return;
    }
    if (Array.isArray(o) || o instanceof Map || o instanceof PyTuple) {
      active.add(o);
      try {
        formatInner(o, indent, allowance, level);
      } finally {
        active.delete(o);
      }
      return;
    }
    formatInner(o, indent, allowance, level);
  };
  const formatInner = (o: PyValue, indent: number, allowance: number, level: number): void => {
    const rep = safeRepr(o);
    const maxWidth = width - indent - allowance;
    if (strLen(rep) > maxWidth) {
      if (o instanceof Map && o.size > 0) {
        write('{');
        const items = safeSortedItems(o);
        const ind = indent + 1;
        items.forEach(([k, x], i) => {
          const last = i === items.length - 1;
          const krep = safeRepr(k);
          write(krep + ': ');
          format(x, ind + strLen(krep) + 2, last ? allowance + 1 : 1, level + 1);
          if (!last) write(',\n' + ' '.repeat(ind));
        });
        write('}');
        return;
      }
      if ((Array.isArray(o) && o.length > 0) || (o instanceof PyTuple && !o.fields && o.items.length > 0)) {
        const items = Array.isArray(o) ? o : (o as PyTuple).items;
        const isTuple = !Array.isArray(o);
        const endchar = isTuple ? (items.length === 1 ? ',)' : ')') : ']';
        write(isTuple ? '(' : '[');
        const ind = indent + 1;
        items.forEach((x, i) => {
          const last = i === items.length - 1;
          if (i > 0) write(',\n' + ' '.repeat(ind));
          format(x, ind, last ? allowance + endchar.length : 1, level + 1);
        });
        write(endchar);
        return;
      }
      if (typeof o === 'string' && o.length > 0) {
        const lvl = level + 1;
        let ind = indent;
        let allow = allowance;
        if (lvl === 1) {
          ind += 1;
          allow += 1;
        }
        const chunks: string[] = [];
        const lines = splitLines(o, true);
        let maxWidth1 = width - ind;
        const maxW = width - ind;
        let lastRep = '';
        lines.forEach((line, i) => {
          const r = strRepr(line);
          lastRep = r;
          if (i === lines.length - 1) maxWidth1 -= allow;
          if (strLen(r) <= maxWidth1) chunks.push(r);
          else {
            const parts = line.match(/\S*\s*/gu) ?? [];
            parts.pop();
            let maxWidth2 = maxW;
            let current = '';
            parts.forEach((part, j) => {
              const candidate = current + part;
              if (j === parts.length - 1 && i === lines.length - 1) maxWidth2 -= allow;
              if (strLen(strRepr(candidate)) > maxWidth2) {
                if (current) chunks.push(strRepr(current));
                current = part;
              } else current = candidate;
            });
            if (current) chunks.push(strRepr(current));
          }
        });
        if (chunks.length === 1) {
          write(lastRep);
          return;
        }
        if (lvl === 1) write('(');
        chunks.forEach((c, i) => {
          if (i > 0) write('\n' + ' '.repeat(ind));
          write(c);
        });
        if (lvl === 1) write(')');
        return;
      }
    }
    write(rep);
  };
  format(obj, 0, 0, 0);
  return out;
}

def(['pprint'], sig('do_pprint', ['value']), (_c, b) => pformat(arg(b, 'value')));

// ---------------------------------------------------------------------------------------------
// tojson (htmlsafe_json_dumps with sort_keys=True)

function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i] as string;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

function jsonKey(k: PyValue): string {
  if (typeof k === 'string') return k;
  if (k instanceof Markup) return k.value;
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (k === null) return 'null';
  if (typeof k === 'bigint') return intStr(k);
  if (typeof k === 'number') return jsonFloat(k);
  return raise('TypeError', `keys must be str, int, float, bool or None, not ${typeName(k)}`);
}

function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return floatRepr(x);
}

/** Python's `json.dumps(value, sort_keys=True, indent=indent)`. */
export function jsonDumps(ctx: CallContext, v: PyValue, indent: string | null): string {
  const active = new Set<object>();
  const enc = (x: PyValue, level: number): string => {
    if (
      typeof x === 'object' &&
      x !== null &&
      (Array.isArray(x) || x instanceof Map || x instanceof PyTuple)
    ) {
      if (active.has(x)) raise('ValueError', 'Circular reference detected');
      active.add(x);
      try {
        return encInner(x, level);
      } finally {
        active.delete(x);
      }
    }
    return encInner(x, level);
  };
  const encInner = (x: PyValue, level: number): string => {
    ctx.tick();
    if (x === null) return 'null';
    if (x === true) return 'true';
    if (x === false) return 'false';
    if (typeof x === 'bigint') return intStr(x);
    if (typeof x === 'number') return jsonFloat(x);
    if (typeof x === 'string') return jsonString(x);
    if (x instanceof Markup) return jsonString(x.value);
    const nl = indent === null ? '' : '\n' + indent.repeat(level + 1);
    const close = indent === null ? '' : '\n' + indent.repeat(level);
    const sep = indent === null ? ', ' : ',' + nl;
    if (Array.isArray(x) || x instanceof PyTuple) {
      const items = Array.isArray(x) ? x : x.items;
      if (items.length === 0) return '[]';
      return `[${nl}${items.map((y) => enc(y, level + 1)).join(sep)}${close}]`;
    }
    if (x instanceof Map) {
      if (x.size === 0) return '{}';
      const items = Array.from(x);
      items.sort((a, b) => pyCompare(a[0], b[0]));
      return `{${nl}${items.map(([k, y]) => `${jsonString(jsonKey(k))}: ${enc(y, level + 1)}`).join(sep)}${close}}`;
    }
    return raise('TypeError', `Object of type ${typeName(x)} is not JSON serializable`);
  };
  return enc(v, 0);
}

def(['tojson'], sig('do_tojson', ['value', ['indent', null]], 1), (ctx, b) => {
  const ind = arg(b, 'indent');
  let indent: string | null = null;
  // json.dumps returns early for a str, before it looks at indent.
  if (ind !== null && !isStr(arg(b, 'value'))) {
    if (isStr(ind)) indent = softStr(ind);
    else if (isIntLike(ind)) indent = ' '.repeat(Math.max(0, Number(needInt(ind))));
    else raise('TypeError', `can't multiply sequence by non-int of type '${typeName(ind)}'`);
  }
  const s = jsonDumps(ctx, arg(b, 'value'), indent)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/'/g, '\\u0027');
  return new Markup(s);
});

// ---------------------------------------------------------------------------------------------
// Slipway extras (not in Jinja2; documented by render-manifest)

def(['to_yaml'], sig('to_yaml', ['value']), (_c, b) =>
  // YAML 1.1 quoting, as kubectl reads YAML 1.1: the string "on" must not come back as true.
  stringify(toJS(arg(b, 'value')), { lineWidth: 0, version: '1.1' }).trimEnd(),
);
def(['b64encode'], sig('b64encode', ['value']), (_c, b) =>
  Buffer.from(softStr(arg(b, 'value')), 'utf8').toString('base64'),
);
def(['b64decode'], sig('b64decode', ['value']), (_c, b) =>
  Buffer.from(softStr(arg(b, 'value')), 'base64').toString('utf8'),
);

/** Every builtin filter by name (Jinja2 3.1's set plus `to_yaml`, `b64encode`, `b64decode`). */
export const BUILTIN_FILTERS: ReadonlyMap<string, FilterFunction> = FILTERS;

export { isIterableValue, softStr };
