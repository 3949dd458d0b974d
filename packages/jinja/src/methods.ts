/**
 * The Python methods templates may call on str, list, tuple and dict values, as bound callables
 * that attribute lookup returns (`name.upper()`, `"a/b".replace("/", "-")`, `d.items()`).
 * These are explicit tables: no JS property of a value is ever reached.
 */
import { checkMethodArgs } from './args.ts';
import { PyException } from './errors.ts';
import { strFormat } from './format.ts';
import { escapeHtml } from './ops.ts';
import {
  Markup,
  PyFunction,
  PyObject,
  PyTuple,
  Undefined,
  codePoints,
  dictDelete,
  dictGet,
  dictHas,
  dictSet,
  hasSurrogates,
  isIntLike,
  pySorted,
  pyEq,
  pyIter,
  pyRepr,
  registerMethods,
  strLen,
  truthy,
  typeName,
  type CallContext,
  type PyDict,
  type PyValue,
} from './values.ts';

type Method<T> = (self: T, args: (PyValue | undefined)[], ctx: CallContext) => PyValue;
interface MethodDef<T> {
  min: number;
  max: number;
  keywords?: readonly string[];
  /** PyArg_ParseTuple wording in argument errors (see checkMethodArgs). */
  old?: boolean;
  fn: Method<T>;
}

/** Python's str.isspace characters. */
const WS =
  '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
const isWs = (c: string): boolean => WS.includes(c);

// ---------------------------------------------------------------------------------------------
// Argument helpers

function needStr(method: string, v: PyValue | undefined, what = 'argument'): string {
  if (typeof v === 'string') return v;
  if (v instanceof Markup) return v.value;
  if (v instanceof Undefined) return v.fail();
  throw new PyException('TypeError', `${method}() ${what} must be str, not ${typeName(v ?? null)}`);
}

function optStr(method: string, v: PyValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  return needStr(method, v);
}

function needInt(v: PyValue | undefined, dflt: bigint): bigint {
  if (v === undefined) return dflt;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (v instanceof Undefined) return v.fail();
  throw new PyException('TypeError', `'${typeName(v)}' object cannot be interpreted as an integer`);
}

function optIndex(v: PyValue | undefined): bigint | null {
  if (v === undefined || v === null) return null;
  if (isIntLike(v)) return needInt(v, 0n);
  if (v instanceof Undefined) return v.fail();
  throw new PyException('TypeError', 'slice indices must be integers or None or have an __index__ method');
}

/** Normalises Python `[start:end]` bounds against `len`. */
function bounds(len: number, start: PyValue | undefined, end: PyValue | undefined): [number, number] {
  const s = optIndex(start);
  const e = optIndex(end);
  const n = BigInt(len);
  const norm = (v: bigint | null, d: bigint): number => {
    if (v === null) return Number(d);
    let x = v < 0n ? v + n : v;
    if (x < 0n) x = 0n;
    if (x > n) x = n;
    return Number(x);
  };
  return [norm(s, 0n), norm(e, n)];
}

/** Works on code points: converts the str to an array when it has astral characters. */
class Str {
  readonly cps: string[] | undefined;
  constructor(readonly s: string) {
    this.cps = hasSurrogates(s) ? Array.from(s) : undefined;
  }
  get length(): number {
    return this.cps ? this.cps.length : this.s.length;
  }
  slice(a: number, b?: number): string {
    return this.cps ? this.cps.slice(a, b).join('') : this.s.slice(a, b);
  }
  /** Code-unit offset → code-point index. */
  cpIndex(unit: number): number {
    return this.cps ? strLen(this.s.slice(0, unit)) : unit;
  }
}

function find(
  self: string,
  sub: string,
  start: PyValue | undefined,
  end: PyValue | undefined,
  right: boolean,
): number {
  const st = new Str(self);
  const [a, b] = bounds(st.length, start, end);
  if (b - a < strLen(sub)) return sub === '' && a <= b && a <= st.length ? (right ? b : a) : -1;
  const hay = st.slice(a, b);
  const i = right ? hay.lastIndexOf(sub) : hay.indexOf(sub);
  if (i < 0) return -1;
  return a + new Str(hay).cpIndex(i);
}

function splitWhitespace(s: string, maxsplit: number): string[] {
  const out: string[] = [];
  const cps = codePoints(s);
  let i = 0;
  const n = cps.length;
  while (i < n) {
    while (i < n && isWs(cps[i] as string)) i++;
    if (i >= n) break;
    if (maxsplit >= 0 && out.length >= maxsplit) {
      // Python keeps the remainder's trailing whitespace for split(None, n).
      out.push(cps.slice(i).join(''));
      break;
    }
    let j = i;
    while (j < n && !isWs(cps[j] as string)) j++;
    out.push(cps.slice(i, j).join(''));
    i = j;
  }
  return out;
}

function rsplitWhitespace(s: string, maxsplit: number): string[] {
  const out: string[] = [];
  const cps = codePoints(s);
  let i = cps.length;
  while (i > 0) {
    while (i > 0 && isWs(cps[i - 1] as string)) i--;
    if (i <= 0) break;
    if (maxsplit >= 0 && out.length >= maxsplit) {
      out.push(cps.slice(0, i).join(''));
      break;
    }
    let j = i;
    while (j > 0 && !isWs(cps[j - 1] as string)) j--;
    out.push(cps.slice(j, i).join(''));
    i = j;
  }
  return out.reverse();
}

/** Python's `str.split(sep, maxsplit)`. */
export function strSplit(s: string, sep: string | null, maxsplit = -1): string[] {
  if (sep === null) return splitWhitespace(s, maxsplit);
  if (sep === '') throw new PyException('ValueError', 'empty separator');
  if (maxsplit < 0) return s.split(sep);
  const out: string[] = [];
  let rest = s;
  while (out.length < maxsplit) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}

function strRsplit(s: string, sep: string | null, maxsplit = -1): string[] {
  if (sep === null) return rsplitWhitespace(s, maxsplit);
  if (sep === '') throw new PyException('ValueError', 'empty separator');
  if (maxsplit < 0) return s.split(sep);
  const out: string[] = [];
  let rest = s;
  while (out.length < maxsplit) {
    const i = rest.lastIndexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(i + sep.length));
    rest = rest.slice(0, i);
  }
  out.push(rest);
  return out.reverse();
}

/** Python's `str.strip(chars)` family. */
export function strStrip(s: string, chars: string | null, left: boolean, right: boolean): string {
  const set = chars === null ? WS : chars;
  const cps = codePoints(s);
  let a = 0;
  let b = cps.length;
  if (left) while (a < b && set.includes(cps[a] as string)) a++;
  if (right) while (b > a && set.includes(cps[b - 1] as string)) b--;
  return cps.slice(a, b).join('');
}

/** Python's `str.replace(old, new, count)`. */
export function strReplace(s: string, old: string, repl: string, count = -1): string {
  if (count === 0) return s;
  if (old === '') {
    const cps = codePoints(s);
    let out = '';
    let n = 0;
    for (let i = 0; i <= cps.length; i++) {
      if (count < 0 || n < count) {
        out += repl;
        n++;
      }
      if (i < cps.length) out += cps[i];
    }
    return out;
  }
  if (count < 0) return s.split(old).join(repl);
  let out = '';
  let rest = s;
  for (let n = 0; n < count; n++) {
    const i = rest.indexOf(old);
    if (i < 0) break;
    out += rest.slice(0, i) + repl;
    rest = rest.slice(i + old.length);
  }
  return out + rest;
}

const cased = (c: string): boolean => c.toLowerCase() !== c.toUpperCase() || /\p{Lt}/u.test(c);
const isLower = (c: string): boolean => /\p{Lowercase}/u.test(c);
const isUpper = (c: string): boolean => /\p{Uppercase}/u.test(c);

/** Title case of one character (Python uses the titlecase mapping, e.g. `ǆ` → `ǅ`). */
function titleChar(c: string): string {
  const special: Record<string, string> = {
    ǆ: 'ǅ',
    Ǆ: 'ǅ',
    ǅ: 'ǅ',
    ǉ: 'ǈ',
    Ǉ: 'ǈ',
    ǈ: 'ǈ',
    ǌ: 'ǋ',
    Ǌ: 'ǋ',
    ǋ: 'ǋ',
    ǳ: 'ǲ',
    Ǳ: 'ǲ',
    ǲ: 'ǲ',
    ß: 'Ss',
  };
  return special[c] ?? c.toUpperCase();
}

/** Python's `str.title()`. */
export function strTitle(s: string): string {
  let out = '';
  let prevCased = false;
  for (const c of s) {
    if (cased(c)) {
      out += prevCased ? c.toLowerCase() : titleChar(c);
      prevCased = true;
    } else {
      out += c;
      prevCased = false;
    }
  }
  return out;
}

/** Python's `str.capitalize()`. */
export function strCapitalize(s: string): string {
  const cps = codePoints(s);
  if (cps.length === 0) return '';
  return titleChar(cps[0] as string) + cps.slice(1).join('').toLowerCase();
}

function strIsTitle(s: string): boolean {
  let prevCased = false;
  let any = false;
  for (const c of s) {
    if (isUpper(c) || /\p{Lt}/u.test(c)) {
      if (prevCased) return false;
      prevCased = true;
      any = true;
    } else if (isLower(c)) {
      if (!prevCased) return false;
      prevCased = true;
      any = true;
    } else prevCased = false;
  }
  return any;
}

function centerPad(s: string, width: bigint, fill: string, mode: 'c' | 'l' | 'r'): string {
  const len = strLen(s);
  if (width <= BigInt(len)) return s;
  const marg = Number(width) - len;
  if (mode === 'l') return s + fill.repeat(marg);
  if (mode === 'r') return fill.repeat(marg) + s;
  const left = Math.floor(marg / 2) + (marg & Number(width) & 1);
  return fill.repeat(left) + s + fill.repeat(marg - left);
}

function fillChar(v: PyValue | undefined): string {
  if (v === undefined) return ' ';
  const s = needStr('fill', v);
  if (strLen(s) !== 1)
    throw new PyException('TypeError', 'The fill character must be exactly one character long');
  return s;
}

function prefixes(method: string, v: PyValue | undefined): string[] {
  if (v instanceof PyTuple) {
    return v.items.map((x) => {
      if (typeof x === 'string') return x;
      if (x instanceof Markup) return x.value;
      throw new PyException('TypeError', `tuple for ${method} must only contain str, not ${typeName(x)}`);
    });
  }
  if (typeof v === 'string') return [v];
  if (v instanceof Markup) return [v.value];
  if (v instanceof Undefined) return v.fail();
  throw new PyException(
    'TypeError',
    `${method} first arg must be str or a tuple of str, not ${typeName(v ?? null)}`,
  );
}

/** Python's `str.splitlines(keepends)`. */
export function splitLines(s: string, keepends: boolean): string[] {
  const out: string[] = [];
  // eslint-disable-next-line no-control-regex -- Python's line boundaries include these separators
  const re = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    out.push(s.slice(last, keepends ? m.index + m[0].length : m.index));
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

function expandTabs(s: string, tab: number): string {
  let out = '';
  let col = 0;
  for (const c of s) {
    if (c === '\t') {
      if (tab > 0) {
        const n = tab - (col % tab);
        out += ' '.repeat(n);
        col += n;
      }
    } else {
      out += c;
      col = c === '\n' || c === '\r' ? 0 : col + 1;
    }
  }
  return out;
}

/** Python's `sep.join(iterable)`. */
export function strJoin(sep: string, items: Iterable<PyValue>): string {
  const parts: string[] = [];
  let i = 0;
  for (const x of items) {
    if (typeof x === 'string') parts.push(x);
    else if (x instanceof Markup) parts.push(x.value);
    else {
      if (x instanceof Undefined) x.fail();
      throw new PyException('TypeError', `sequence item ${i}: expected str instance, ${typeName(x)} found`);
    }
    i++;
  }
  return parts.join(sep);
}

const every = (s: string, re: RegExp): boolean => s.length > 0 && Array.from(s).every((c) => re.test(c));

const STR_METHODS: Record<string, MethodDef<string>> = {
  upper: { min: 0, max: 0, fn: (s) => s.toUpperCase() },
  lower: { min: 0, max: 0, fn: (s) => s.toLowerCase() },
  casefold: { min: 0, max: 0, fn: (s) => s.toLowerCase().replace(/ß/g, 'ss') },
  swapcase: {
    min: 0,
    max: 0,
    fn: (s) =>
      Array.from(s, (c) => (isUpper(c) ? c.toLowerCase() : isLower(c) ? c.toUpperCase() : c)).join(''),
  },
  title: { min: 0, max: 0, fn: (s) => strTitle(s) },
  capitalize: { min: 0, max: 0, fn: (s) => strCapitalize(s) },
  strip: { min: 0, max: 1, fn: (s, [c]) => strStrip(s, optStr('strip', c), true, true) },
  lstrip: { min: 0, max: 1, fn: (s, [c]) => strStrip(s, optStr('lstrip', c), true, false) },
  rstrip: { min: 0, max: 1, fn: (s, [c]) => strStrip(s, optStr('rstrip', c), false, true) },
  split: {
    old: true,
    min: 0,
    max: 2,
    keywords: ['sep', 'maxsplit'],
    fn: (s, [sep, max]) => strSplit(s, optStr('split', sep), Number(needInt(max, -1n))),
  },
  rsplit: {
    old: true,
    min: 0,
    max: 2,
    keywords: ['sep', 'maxsplit'],
    fn: (s, [sep, max]) => strRsplit(s, optStr('rsplit', sep), Number(needInt(max, -1n))),
  },
  splitlines: {
    old: true,
    min: 0,
    max: 1,
    keywords: ['keepends'],
    fn: (s, [k]) => splitLines(s, k !== undefined && truthy(k)),
  },
  startswith: {
    old: true,
    min: 1,
    max: 3,
    fn: (s, [p, a, b]) => {
      const st = new Str(s);
      const [x, y] = bounds(st.length, a, b);
      if (x > st.length) return false;
      const part = st.slice(x, y);
      return prefixes('startswith', p).some((q) => part.startsWith(q) && y - x >= strLen(q));
    },
  },
  endswith: {
    old: true,
    min: 1,
    max: 3,
    fn: (s, [p, a, b]) => {
      const st = new Str(s);
      const [x, y] = bounds(st.length, a, b);
      if (x > st.length) return false;
      const part = st.slice(x, y);
      return prefixes('endswith', p).some((q) => part.endsWith(q) && y - x >= strLen(q));
    },
  },
  replace: {
    min: 2,
    max: 3,
    fn: (s, [o, n, c]) =>
      strReplace(
        s,
        needStr('replace', o, 'argument 1'),
        needStr('replace', n, 'argument 2'),
        Number(needInt(c, -1n)),
      ),
  },
  find: {
    old: true,
    min: 1,
    max: 3,
    fn: (s, [sub, a, b]) => BigInt(find(s, needStr('find', sub), a, b, false)),
  },
  rfind: {
    old: true,
    min: 1,
    max: 3,
    fn: (s, [sub, a, b]) => BigInt(find(s, needStr('rfind', sub), a, b, true)),
  },
  index: {
    old: true,
    min: 1,
    max: 3,
    fn: (s, [sub, a, b]) => {
      const i = find(s, needStr('index', sub), a, b, false);
      if (i < 0) throw new PyException('ValueError', 'substring not found');
      return BigInt(i);
    },
  },
  rindex: {
    old: true,
    min: 1,
    max: 3,
    fn: (s, [sub, a, b]) => {
      const i = find(s, needStr('rindex', sub), a, b, true);
      if (i < 0) throw new PyException('ValueError', 'substring not found');
      return BigInt(i);
    },
  },
  count: {
    old: true,
    min: 1,
    max: 3,
    fn: (s, [sub, a, b]) => {
      const st = new Str(s);
      const [x, y] = bounds(st.length, a, b);
      if (x > y) return 0n;
      const part = st.slice(x, y);
      const q = needStr('count', sub);
      if (q === '') return BigInt(strLen(part) + 1);
      return BigInt(part.split(q).length - 1);
    },
  },
  join: { min: 1, max: 1, fn: (s, [it]) => strJoin(s, pyIter(it ?? null)) },
  zfill: {
    min: 1,
    max: 1,
    fn: (s, [w]) => {
      const width = Number(needInt(w, 0n));
      const len = strLen(s);
      if (len >= width) return s;
      const sign = s[0] === '+' || s[0] === '-' ? (s[0] as string) : '';
      return sign + '0'.repeat(width - len) + s.slice(sign.length);
    },
  },
  center: { min: 1, max: 2, fn: (s, [w, f]) => centerPad(s, needInt(w, 0n), fillChar(f), 'c') },
  ljust: { min: 1, max: 2, fn: (s, [w, f]) => centerPad(s, needInt(w, 0n), fillChar(f), 'l') },
  rjust: { min: 1, max: 2, fn: (s, [w, f]) => centerPad(s, needInt(w, 0n), fillChar(f), 'r') },
  isdigit: {
    min: 0,
    max: 0,
    fn: (s) => every(s, /[\p{Nd}\u00b2\u00b3\u00b9\u2070-\u2079\u2080-\u2089\u2460-\u2468]/u),
  },
  isdecimal: { min: 0, max: 0, fn: (s) => every(s, /\p{Nd}/u) },
  isnumeric: { min: 0, max: 0, fn: (s) => every(s, /[\p{Nd}\p{Nl}\p{No}\u3007\u4e00-\u9fff]/u) },
  isalpha: { min: 0, max: 0, fn: (s) => every(s, /\p{L}/u) },
  isalnum: { min: 0, max: 0, fn: (s) => every(s, /[\p{L}\p{Nd}\p{Nl}\p{No}]/u) },
  isspace: { min: 0, max: 0, fn: (s) => s.length > 0 && Array.from(s).every(isWs) },
  isascii: { min: 0, max: 0, fn: (s) => Array.from(s).every((c) => (c.codePointAt(0) ?? 0) < 128) },
  islower: {
    min: 0,
    max: 0,
    fn: (s) => {
      let any = false;
      for (const c of s) {
        if (isUpper(c) || /\p{Lt}/u.test(c)) return false;
        if (isLower(c)) any = true;
      }
      return any;
    },
  },
  isupper: {
    min: 0,
    max: 0,
    fn: (s) => {
      let any = false;
      for (const c of s) {
        if (isLower(c) || /\p{Lt}/u.test(c)) return false;
        if (isUpper(c)) any = true;
      }
      return any;
    },
  },
  istitle: { min: 0, max: 0, fn: (s) => strIsTitle(s) },
  isidentifier: {
    min: 0,
    max: 0,
    fn: (s) => /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(s),
  },
  partition: {
    min: 1,
    max: 1,
    fn: (s, [sep]) => {
      const p = needStr('partition', sep);
      if (p === '') throw new PyException('ValueError', 'empty separator');
      const i = s.indexOf(p);
      return i < 0 ? new PyTuple([s, '', '']) : new PyTuple([s.slice(0, i), p, s.slice(i + p.length)]);
    },
  },
  rpartition: {
    min: 1,
    max: 1,
    fn: (s, [sep]) => {
      const p = needStr('rpartition', sep);
      if (p === '') throw new PyException('ValueError', 'empty separator');
      const i = s.lastIndexOf(p);
      return i < 0 ? new PyTuple(['', '', s]) : new PyTuple([s.slice(0, i), p, s.slice(i + p.length)]);
    },
  },
  removeprefix: {
    min: 1,
    max: 1,
    fn: (s, [p]) => {
      const q = needStr('removeprefix', p);
      return q && s.startsWith(q) ? s.slice(q.length) : s;
    },
  },
  removesuffix: {
    min: 1,
    max: 1,
    fn: (s, [p]) => {
      const q = needStr('removesuffix', p);
      return q && s.endsWith(q) ? s.slice(0, -q.length) : s;
    },
  },
  expandtabs: {
    old: true,
    min: 0,
    max: 1,
    keywords: ['tabsize'],
    fn: (s, [t]) => expandTabs(s, Number(needInt(t, 8n))),
  },
};

// ---------------------------------------------------------------------------------------------
// list, tuple, dict

function seqIndex(
  items: PyValue[],
  x: PyValue | undefined,
  a: PyValue | undefined,
  b: PyValue | undefined,
  kind: string,
): PyValue {
  const [s, e] = bounds(items.length, a, b);
  for (let i = s; i < e; i++) if (pyEq(items[i] as PyValue, x ?? null)) return BigInt(i);
  throw new PyException(
    'ValueError',
    kind === 'list' ? `${pyRepr(x ?? null)} is not in list` : 'tuple.index(x): x not in tuple',
  );
}

function seqCount(items: PyValue[], x: PyValue | undefined): PyValue {
  let n = 0n;
  for (const y of items) if (pyEq(y, x ?? null)) n++;
  return n;
}

const LIST_METHODS: Record<string, MethodDef<PyValue[]>> = {
  index: { min: 1, max: 3, fn: (l, [x, a, b]) => seqIndex(l, x, a, b, 'list') },
  count: { min: 1, max: 1, fn: (l, [x]) => seqCount(l, x) },
  copy: { min: 0, max: 0, fn: (l) => l.slice() },
  append: {
    min: 1,
    max: 1,
    fn: (l, [x], ctx) => {
      ctx.tick();
      l.push(x ?? null);
      return null;
    },
  },
  extend: {
    min: 1,
    max: 1,
    fn: (l, [x], ctx) => {
      const items = Array.from(pyIter(x ?? null));
      ctx.tick(items.length);
      for (const y of items) l.push(y);
      return null;
    },
  },
  insert: {
    min: 2,
    max: 2,
    fn: (l, [i, x], ctx) => {
      ctx.tick();
      let n = Number(needInt(i, 0n));
      if (n < 0) n = Math.max(0, n + l.length);
      l.splice(Math.min(n, l.length), 0, x ?? null);
      return null;
    },
  },
  pop: {
    min: 0,
    max: 1,
    fn: (l, [i]) => {
      if (l.length === 0) throw new PyException('IndexError', 'pop from empty list');
      let n = needInt(i, -1n);
      if (n < 0n) n += BigInt(l.length);
      if (n < 0n || n >= BigInt(l.length)) throw new PyException('IndexError', 'pop index out of range');
      return l.splice(Number(n), 1)[0] as PyValue;
    },
  },
  remove: {
    min: 1,
    max: 1,
    fn: (l, [x]) => {
      const i = l.findIndex((y) => pyEq(y, x ?? null));
      if (i < 0) throw new PyException('ValueError', 'list.remove(x): x not in list');
      l.splice(i, 1);
      return null;
    },
  },
  reverse: {
    min: 0,
    max: 0,
    fn: (l) => {
      l.reverse();
      return null;
    },
  },
  sort: {
    min: 0,
    max: 0,
    keywords: ['reverse'],
    fn: (l) => {
      l.splice(0, l.length, ...pySorted(l, (x) => x));
      return null;
    },
  },
  clear: {
    min: 0,
    max: 0,
    fn: (l) => {
      l.length = 0;
      return null;
    },
  },
};

const TUPLE_METHODS: Record<string, MethodDef<PyTuple>> = {
  index: { min: 1, max: 3, fn: (t, [x, a, b]) => seqIndex(t.items, x, a, b, 'tuple') },
  count: { min: 1, max: 1, fn: (t, [x]) => seqCount(t.items, x) },
};

/** `dict.keys()`, `.values()` and `.items()` views. */
export class DictView extends PyObject {
  constructor(
    readonly dict: PyDict,
    readonly kind: 'keys' | 'values' | 'items',
  ) {
    super();
  }
  get typeName(): string {
    return `dict_${this.kind}`;
  }
  override readonly moduleName = 'builtins';
  getAttr(): PyValue | undefined {
    return undefined;
  }
  override iter(): Iterable<PyValue> {
    const d = this.dict;
    if (this.kind === 'keys') return Array.from(d.keys());
    if (this.kind === 'values') return Array.from(d.values());
    return Array.from(d, ([k, v]) => new PyTuple([k, v]));
  }
  override truthy(): boolean {
    return this.dict.size > 0;
  }
  override len(): number {
    return this.dict.size;
  }
  override repr(): string {
    return `${this.typeName}(${pyRepr(Array.from(this.iter()))})`;
  }
}

const DICT_METHODS: Record<string, MethodDef<PyDict>> = {
  items: { min: 0, max: 0, fn: (d) => new DictView(d, 'items') },
  keys: { min: 0, max: 0, fn: (d) => new DictView(d, 'keys') },
  values: { min: 0, max: 0, fn: (d) => new DictView(d, 'values') },
  get: {
    min: 1,
    max: 2,
    fn: (d, [k, dflt]) => {
      const v = dictGet(d, k ?? null);
      return v === undefined ? (dflt ?? null) : v;
    },
  },
  copy: { min: 0, max: 0, fn: (d) => new Map(d) },
  setdefault: {
    min: 1,
    max: 2,
    fn: (d, [k, dflt], ctx) => {
      const v = dictGet(d, k ?? null);
      if (v !== undefined) return v;
      ctx.tick();
      dictSet(d, k ?? null, dflt ?? null);
      return dflt ?? null;
    },
  },
  pop: {
    min: 1,
    max: 2,
    fn: (d, [k, dflt]) => {
      const v = dictGet(d, k ?? null);
      if (v === undefined) {
        if (dflt !== undefined) return dflt;
        throw new PyException('KeyError', pyRepr(k ?? null));
      }
      dictDelete(d, k ?? null);
      return v;
    },
  },
  popitem: {
    min: 0,
    max: 0,
    fn: (d) => {
      const last = Array.from(d.keys()).pop();
      if (last === undefined) throw new PyException('KeyError', "'popitem(): dictionary is empty'");
      const v = d.get(last) as PyValue;
      d.delete(last);
      return new PyTuple([last, v]);
    },
  },
  clear: {
    min: 0,
    max: 0,
    fn: (d) => {
      d.clear();
      return null;
    },
  },
};

function dictUpdate(d: PyDict, args: PyValue[], kwargs: Map<string, PyValue>, ctx: CallContext): PyValue {
  if (args.length > 1)
    throw new PyException('TypeError', `update expected at most 1 argument, got ${args.length}`);
  const src = args[0];
  if (src !== undefined) {
    if (src instanceof Map) {
      for (const [k, v] of src) dictSet(d, k, v);
    } else {
      let i = 0;
      for (const item of pyIter(src)) {
        const pair = Array.isArray(item) ? item : item instanceof PyTuple ? item.items : undefined;
        if (pair === undefined) {
          throw new PyException(
            'TypeError',
            `cannot convert dictionary update sequence element #${i} to a sequence`,
          );
        }
        if (pair.length !== 2) {
          throw new PyException(
            'ValueError',
            `dictionary update sequence element #${i} has length ${pair.length}; 2 is required`,
          );
        }
        dictSet(d, pair[0] as PyValue, pair[1] as PyValue);
        i++;
      }
    }
  }
  for (const [k, v] of kwargs) dictSet(d, k, v);
  ctx.tick(d.size);
  return null;
}

const INT_METHODS: Record<string, MethodDef<bigint>> = {
  bit_length: { min: 0, max: 0, fn: (n) => BigInt((n < 0n ? -n : n).toString(2).replace(/^0$/, '').length) },
  conjugate: { min: 0, max: 0, fn: (n) => n },
};

const FLOAT_METHODS: Record<string, MethodDef<number>> = {
  is_integer: { min: 0, max: 0, fn: (x) => Number.isInteger(x) },
  conjugate: { min: 0, max: 0, fn: (x) => x },
};

function bind<T>(self: T, owner: string, name: string, def: MethodDef<T>): PyFunction {
  return new PyFunction(
    name,
    (args, kwargs, ctx) =>
      def.fn(self, checkMethodArgs(owner, name, def.min, def.max, args, kwargs, def.keywords, def.old), ctx),
    `<built-in method ${name} of ${owner} object>`,
  );
}

function lookup<T>(table: Record<string, MethodDef<T>>, name: string): MethodDef<T> | undefined {
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
}

/** The bound method `obj.name`, or undefined when the type has no such method. */
export function getMethod(obj: PyValue, name: string): PyValue | undefined {
  if (obj instanceof Markup) return markupMethod(obj, name);
  if (typeof obj === 'string') {
    const s = obj;
    if (name === 'format') {
      return new PyFunction(
        'format',
        (args, kwargs) => strFormat(s, args, kwargs),
        '<built-in method format of str object>',
      );
    }
    const def = lookup(STR_METHODS, name);
    return def ? bind(s, 'str', name, def) : undefined;
  }
  if (Array.isArray(obj)) {
    const def = lookup(LIST_METHODS, name);
    if (name === 'sort' && def) {
      return new PyFunction('sort', (args, kwargs) => {
        checkMethodArgs('list', 'sort', 0, 0, args, new Map());
        for (const k of kwargs.keys()) {
          if (k !== 'reverse' && k !== 'key') {
            throw new PyException('TypeError', `'${k}' is an invalid keyword argument for sort()`);
          }
        }
        const rev = kwargs.get('reverse');
        const sorted = pySorted(obj, (x) => x, rev !== undefined && truthy(rev));
        obj.splice(0, obj.length, ...sorted);
        return null;
      });
    }
    return def ? bind(obj, 'list', name, def) : undefined;
  }
  if (obj instanceof PyTuple) {
    const def = lookup(TUPLE_METHODS, name);
    return def ? bind(obj, 'tuple', name, def) : undefined;
  }
  if (obj instanceof Map) {
    if (name === 'update') {
      return new PyFunction('update', (args, kwargs, ctx) => dictUpdate(obj, args, kwargs, ctx));
    }
    const def = lookup(DICT_METHODS, name);
    return def ? bind(obj, 'dict', name, def) : undefined;
  }
  if (typeof obj === 'bigint') {
    const def = lookup(INT_METHODS, name);
    return def ? bind(obj, 'int', name, def) : undefined;
  }
  if (typeof obj === 'number') {
    const def = lookup(FLOAT_METHODS, name);
    return def ? bind(obj, 'float', name, def) : undefined;
  }
  return undefined;
}

/** markupsafe's Markup methods: str arguments are escaped and str results stay Markup. */
const MARKUP_WRAPPED = new Set([
  'capitalize',
  'title',
  'lower',
  'upper',
  'replace',
  'ljust',
  'rjust',
  'lstrip',
  'rstrip',
  'center',
  'strip',
  'expandtabs',
  'swapcase',
  'zfill',
  'casefold',
  'removeprefix',
  'removesuffix',
]);
const MARKUP_SPLIT = new Set(['split', 'rsplit', 'splitlines', 'partition', 'rpartition']);

function escapeArg(v: PyValue): PyValue {
  if (typeof v === 'string') return escapeHtml(v);
  if (v instanceof Markup) return v.value;
  return v;
}

function toMarkup(v: PyValue): PyValue {
  if (typeof v === 'string') return new Markup(v);
  if (Array.isArray(v)) return v.map(toMarkup);
  if (v instanceof PyTuple) return new PyTuple(v.items.map(toMarkup));
  return v;
}

function markupMethod(obj: Markup, name: string): PyValue | undefined {
  const s = obj.value;
  if (name === 'format') {
    return new PyFunction('format', (args, kwargs) => {
      const esc = (v: PyValue): PyValue => (typeof v === 'string' ? new Markup(escapeHtml(v)) : v);
      const kw = new Map<string, PyValue>();
      for (const [k, v] of kwargs) kw.set(k, esc(v));
      return new Markup(strFormat(s, args.map(esc), kw));
    });
  }
  if (name === 'join') {
    return new PyFunction('join', (args, kwargs) => {
      const [it] = checkMethodArgs('str', 'join', 1, 1, args, kwargs);
      return new Markup(
        strJoin(
          s,
          Array.from(pyIter(it ?? null), (x) => (x instanceof Markup ? x : escapeArg(x))),
        ),
      );
    });
  }
  const inner = getMethod(s, name);
  if (inner === undefined || !(inner instanceof PyFunction)) return inner;
  if (MARKUP_WRAPPED.has(name) || MARKUP_SPLIT.has(name)) {
    return new PyFunction(
      name,
      (args, kwargs, ctx) => {
        if (MARKUP_SPLIT.has(name)) return toMarkup(inner.call(args, kwargs, ctx));
        const kw = new Map<string, PyValue>();
        for (const [k, v] of kwargs) kw.set(k, escapeArg(v));
        return toMarkup(inner.call(args.map(escapeArg), kw, ctx));
      },
      `<bound method Markup.${name}>`,
    );
  }
  return inner;
}

/** True when `v` is a dict key view that supports `in` like a set. */
export function dictViewHas(view: DictView, key: PyValue): boolean {
  if (view.kind === 'keys') return dictHas(view.dict, key);
  return Array.from(view.iter()).some((x) => pyEq(x, key));
}

registerMethods(getMethod);
