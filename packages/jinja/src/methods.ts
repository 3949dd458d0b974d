/**
 * The Python methods templates may call on str, list, tuple and dict values, as bound callables
 * that attribute lookup returns (`name.upper()`, `"a/b".replace("/", "-")`, `d.items()`).
 * These are explicit tables: no JS property of a value is ever reached.
 */
import { checkMethodArgs } from './args.ts';
import { LimitError, MAX_BUILT_LENGTH, PyException, VALUE_TOO_LARGE } from './errors.ts';
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
  pyStr,
  registerMethods,
  strIsPrintable,
  strLen,
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

/**
 * A str argument. CPython words the error per method: argument-clinic methods name the method
 * and argument (`replace() argument 1 must be str, not None`), the find family says
 * `must be str, not int`.
 */
function needStr(method: string | null, v: PyValue | undefined, what = 'argument'): string {
  if (typeof v === 'string') return v;
  if (v instanceof Markup) return v.value;
  if (v instanceof Undefined) return v.fail();
  if (method === null) throw new PyException('TypeError', `must be str, not ${typeName(v ?? null)}`);
  const shown = v === null || v === undefined ? 'None' : typeName(v);
  throw new PyException('TypeError', `${method}() ${what} must be str, not ${shown}`);
}

/** A str-or-None separator (split/rsplit). */
function optSep(v: PyValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || v instanceof Markup || v instanceof Undefined) return needStr(null, v);
  throw new PyException('TypeError', `must be str or None, not ${typeName(v)}`);
}

/** The chars argument of strip/lstrip/rstrip. */
function optChars(method: string, v: PyValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || v instanceof Markup || v instanceof Undefined) return needStr(null, v);
  throw new PyException('TypeError', `${method} arg must be None or str`);
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
  subV: PyValue | undefined,
  start: PyValue | undefined,
  end: PyValue | undefined,
  right: boolean,
): number {
  const st = new Str(self);
  const [a, b] = bounds(st.length, start, end);
  const sub = needStr(null, subV);
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

// Python's case mappings where JS differs: titlecase (str.title/capitalize) for characters whose
// titlecase is not their uppercase, and full case folding (str.casefold) where it is not lowercase.
// Generated from CPython's unicodedata: `c.title() != c.upper()` and `c.casefold() != c.lower()`.
function caseTable(packed: string): Map<string, string> {
  return new Map(packed.split('|').map((kv) => kv.split('\u0001') as [string, string]));
}
const TITLECASE = caseTable(
  // prettier-ignore
  "\u00df\u0001Ss|\u01c4\u0001\u01c5|\u01c5\u0001\u01c5|\u01c6\u0001\u01c5|\u01c7\u0001\u01c8|\u01c8\u0001\u01c8|\u01c9\u0001\u01c8|\u01ca\u0001\u01cb|\u01cb\u0001\u01cb|\u01cc\u0001\u01cb|\u01f1\u0001\u01f2|\u01f2\u0001\u01f2|\u01f3\u0001\u01f2|\u0587\u0001\u0535\u0582|\u10d0\u0001\u10d0|\u10d1\u0001\u10d1|\u10d2\u0001\u10d2|\u10d3\u0001\u10d3|\u10d4\u0001\u10d4|\u10d5\u0001\u10d5|\u10d6\u0001\u10d6|\u10d7\u0001\u10d7|\u10d8\u0001\u10d8|\u10d9\u0001\u10d9|\u10da\u0001\u10da|\u10db\u0001\u10db|\u10dc\u0001\u10dc|\u10dd\u0001\u10dd|\u10de\u0001\u10de|\u10df\u0001\u10df|\u10e0\u0001\u10e0|\u10e1\u0001\u10e1|\u10e2\u0001\u10e2|\u10e3\u0001\u10e3|\u10e4\u0001\u10e4|\u10e5\u0001\u10e5|\u10e6\u0001\u10e6|\u10e7\u0001\u10e7|\u10e8\u0001\u10e8|\u10e9\u0001\u10e9|\u10ea\u0001\u10ea|\u10eb\u0001\u10eb|\u10ec\u0001\u10ec|\u10ed\u0001\u10ed|\u10ee\u0001\u10ee|\u10ef\u0001\u10ef|\u10f0\u0001\u10f0|\u10f1\u0001\u10f1|\u10f2\u0001\u10f2|\u10f3\u0001\u10f3|\u10f4\u0001\u10f4|\u10f5\u0001\u10f5|\u10f6\u0001\u10f6|\u10f7\u0001\u10f7|\u10f8\u0001\u10f8|\u10f9\u0001\u10f9|\u10fa\u0001\u10fa|\u10fd\u0001\u10fd|\u10fe\u0001\u10fe|\u10ff\u0001\u10ff|\u1f80\u0001\u1f88|\u1f81\u0001\u1f89|\u1f82\u0001\u1f8a|\u1f83\u0001\u1f8b|\u1f84\u0001\u1f8c|\u1f85\u0001\u1f8d|\u1f86\u0001\u1f8e|\u1f87\u0001\u1f8f|\u1f88\u0001\u1f88|\u1f89\u0001\u1f89|\u1f8a\u0001\u1f8a|\u1f8b\u0001\u1f8b|\u1f8c\u0001\u1f8c|\u1f8d\u0001\u1f8d|\u1f8e\u0001\u1f8e|\u1f8f\u0001\u1f8f|\u1f90\u0001\u1f98|\u1f91\u0001\u1f99|\u1f92\u0001\u1f9a|\u1f93\u0001\u1f9b|\u1f94\u0001\u1f9c|\u1f95\u0001\u1f9d|\u1f96\u0001\u1f9e|\u1f97\u0001\u1f9f|\u1f98\u0001\u1f98|\u1f99\u0001\u1f99|\u1f9a\u0001\u1f9a|\u1f9b\u0001\u1f9b|\u1f9c\u0001\u1f9c|\u1f9d\u0001\u1f9d|\u1f9e\u0001\u1f9e|\u1f9f\u0001\u1f9f|\u1fa0\u0001\u1fa8|\u1fa1\u0001\u1fa9|\u1fa2\u0001\u1faa|\u1fa3\u0001\u1fab|\u1fa4\u0001\u1fac|\u1fa5\u0001\u1fad|\u1fa6\u0001\u1fae|\u1fa7\u0001\u1faf|\u1fa8\u0001\u1fa8|\u1fa9\u0001\u1fa9|\u1faa\u0001\u1faa|\u1fab\u0001\u1fab|\u1fac\u0001\u1fac|\u1fad\u0001\u1fad|\u1fae\u0001\u1fae|\u1faf\u0001\u1faf|\u1fb2\u0001\u1fba\u0345|\u1fb3\u0001\u1fbc|\u1fb4\u0001\u0386\u0345|\u1fb7\u0001\u0391\u0342\u0345|\u1fbc\u0001\u1fbc|\u1fc2\u0001\u1fca\u0345|\u1fc3\u0001\u1fcc|\u1fc4\u0001\u0389\u0345|\u1fc7\u0001\u0397\u0342\u0345|\u1fcc\u0001\u1fcc|\u1ff2\u0001\u1ffa\u0345|\u1ff3\u0001\u1ffc|\u1ff4\u0001\u038f\u0345|\u1ff7\u0001\u03a9\u0342\u0345|\u1ffc\u0001\u1ffc|\ufb00\u0001Ff|\ufb01\u0001Fi|\ufb02\u0001Fl|\ufb03\u0001Ffi|\ufb04\u0001Ffl|\ufb05\u0001St|\ufb06\u0001St|\ufb13\u0001\u0544\u0576|\ufb14\u0001\u0544\u0565|\ufb15\u0001\u0544\u056b|\ufb16\u0001\u054e\u0576|\ufb17\u0001\u0544\u056d",
);
const CASEFOLD = caseTable(
  // prettier-ignore
  "\u00b5\u0001\u03bc|\u00df\u0001ss|\u0149\u0001\u02bcn|\u017f\u0001s|\u01f0\u0001j\u030c|\u0345\u0001\u03b9|\u0390\u0001\u03b9\u0308\u0301|\u03b0\u0001\u03c5\u0308\u0301|\u03c2\u0001\u03c3|\u03d0\u0001\u03b2|\u03d1\u0001\u03b8|\u03d5\u0001\u03c6|\u03d6\u0001\u03c0|\u03f0\u0001\u03ba|\u03f1\u0001\u03c1|\u03f5\u0001\u03b5|\u0587\u0001\u0565\u0582|\u13a0\u0001\u13a0|\u13a1\u0001\u13a1|\u13a2\u0001\u13a2|\u13a3\u0001\u13a3|\u13a4\u0001\u13a4|\u13a5\u0001\u13a5|\u13a6\u0001\u13a6|\u13a7\u0001\u13a7|\u13a8\u0001\u13a8|\u13a9\u0001\u13a9|\u13aa\u0001\u13aa|\u13ab\u0001\u13ab|\u13ac\u0001\u13ac|\u13ad\u0001\u13ad|\u13ae\u0001\u13ae|\u13af\u0001\u13af|\u13b0\u0001\u13b0|\u13b1\u0001\u13b1|\u13b2\u0001\u13b2|\u13b3\u0001\u13b3|\u13b4\u0001\u13b4|\u13b5\u0001\u13b5|\u13b6\u0001\u13b6|\u13b7\u0001\u13b7|\u13b8\u0001\u13b8|\u13b9\u0001\u13b9|\u13ba\u0001\u13ba|\u13bb\u0001\u13bb|\u13bc\u0001\u13bc|\u13bd\u0001\u13bd|\u13be\u0001\u13be|\u13bf\u0001\u13bf|\u13c0\u0001\u13c0|\u13c1\u0001\u13c1|\u13c2\u0001\u13c2|\u13c3\u0001\u13c3|\u13c4\u0001\u13c4|\u13c5\u0001\u13c5|\u13c6\u0001\u13c6|\u13c7\u0001\u13c7|\u13c8\u0001\u13c8|\u13c9\u0001\u13c9|\u13ca\u0001\u13ca|\u13cb\u0001\u13cb|\u13cc\u0001\u13cc|\u13cd\u0001\u13cd|\u13ce\u0001\u13ce|\u13cf\u0001\u13cf|\u13d0\u0001\u13d0|\u13d1\u0001\u13d1|\u13d2\u0001\u13d2|\u13d3\u0001\u13d3|\u13d4\u0001\u13d4|\u13d5\u0001\u13d5|\u13d6\u0001\u13d6|\u13d7\u0001\u13d7|\u13d8\u0001\u13d8|\u13d9\u0001\u13d9|\u13da\u0001\u13da|\u13db\u0001\u13db|\u13dc\u0001\u13dc|\u13dd\u0001\u13dd|\u13de\u0001\u13de|\u13df\u0001\u13df|\u13e0\u0001\u13e0|\u13e1\u0001\u13e1|\u13e2\u0001\u13e2|\u13e3\u0001\u13e3|\u13e4\u0001\u13e4|\u13e5\u0001\u13e5|\u13e6\u0001\u13e6|\u13e7\u0001\u13e7|\u13e8\u0001\u13e8|\u13e9\u0001\u13e9|\u13ea\u0001\u13ea|\u13eb\u0001\u13eb|\u13ec\u0001\u13ec|\u13ed\u0001\u13ed|\u13ee\u0001\u13ee|\u13ef\u0001\u13ef|\u13f0\u0001\u13f0|\u13f1\u0001\u13f1|\u13f2\u0001\u13f2|\u13f3\u0001\u13f3|\u13f4\u0001\u13f4|\u13f5\u0001\u13f5|\u13f8\u0001\u13f0|\u13f9\u0001\u13f1|\u13fa\u0001\u13f2|\u13fb\u0001\u13f3|\u13fc\u0001\u13f4|\u13fd\u0001\u13f5|\u1c80\u0001\u0432|\u1c81\u0001\u0434|\u1c82\u0001\u043e|\u1c83\u0001\u0441|\u1c84\u0001\u0442|\u1c85\u0001\u0442|\u1c86\u0001\u044a|\u1c87\u0001\u0463|\u1c88\u0001\ua64b|\u1e96\u0001h\u0331|\u1e97\u0001t\u0308|\u1e98\u0001w\u030a|\u1e99\u0001y\u030a|\u1e9a\u0001a\u02be|\u1e9b\u0001\u1e61|\u1e9e\u0001ss|\u1f50\u0001\u03c5\u0313|\u1f52\u0001\u03c5\u0313\u0300|\u1f54\u0001\u03c5\u0313\u0301|\u1f56\u0001\u03c5\u0313\u0342|\u1f80\u0001\u1f00\u03b9|\u1f81\u0001\u1f01\u03b9|\u1f82\u0001\u1f02\u03b9|\u1f83\u0001\u1f03\u03b9|\u1f84\u0001\u1f04\u03b9|\u1f85\u0001\u1f05\u03b9|\u1f86\u0001\u1f06\u03b9|\u1f87\u0001\u1f07\u03b9|\u1f88\u0001\u1f00\u03b9|\u1f89\u0001\u1f01\u03b9|\u1f8a\u0001\u1f02\u03b9|\u1f8b\u0001\u1f03\u03b9|\u1f8c\u0001\u1f04\u03b9|\u1f8d\u0001\u1f05\u03b9|\u1f8e\u0001\u1f06\u03b9|\u1f8f\u0001\u1f07\u03b9|\u1f90\u0001\u1f20\u03b9|\u1f91\u0001\u1f21\u03b9|\u1f92\u0001\u1f22\u03b9|\u1f93\u0001\u1f23\u03b9|\u1f94\u0001\u1f24\u03b9|\u1f95\u0001\u1f25\u03b9|\u1f96\u0001\u1f26\u03b9|\u1f97\u0001\u1f27\u03b9|\u1f98\u0001\u1f20\u03b9|\u1f99\u0001\u1f21\u03b9|\u1f9a\u0001\u1f22\u03b9|\u1f9b\u0001\u1f23\u03b9|\u1f9c\u0001\u1f24\u03b9|\u1f9d\u0001\u1f25\u03b9|\u1f9e\u0001\u1f26\u03b9|\u1f9f\u0001\u1f27\u03b9|\u1fa0\u0001\u1f60\u03b9|\u1fa1\u0001\u1f61\u03b9|\u1fa2\u0001\u1f62\u03b9|\u1fa3\u0001\u1f63\u03b9|\u1fa4\u0001\u1f64\u03b9|\u1fa5\u0001\u1f65\u03b9|\u1fa6\u0001\u1f66\u03b9|\u1fa7\u0001\u1f67\u03b9|\u1fa8\u0001\u1f60\u03b9|\u1fa9\u0001\u1f61\u03b9|\u1faa\u0001\u1f62\u03b9|\u1fab\u0001\u1f63\u03b9|\u1fac\u0001\u1f64\u03b9|\u1fad\u0001\u1f65\u03b9|\u1fae\u0001\u1f66\u03b9|\u1faf\u0001\u1f67\u03b9|\u1fb2\u0001\u1f70\u03b9|\u1fb3\u0001\u03b1\u03b9|\u1fb4\u0001\u03ac\u03b9|\u1fb6\u0001\u03b1\u0342|\u1fb7\u0001\u03b1\u0342\u03b9|\u1fbc\u0001\u03b1\u03b9|\u1fbe\u0001\u03b9|\u1fc2\u0001\u1f74\u03b9|\u1fc3\u0001\u03b7\u03b9|\u1fc4\u0001\u03ae\u03b9|\u1fc6\u0001\u03b7\u0342|\u1fc7\u0001\u03b7\u0342\u03b9|\u1fcc\u0001\u03b7\u03b9|\u1fd2\u0001\u03b9\u0308\u0300|\u1fd3\u0001\u03b9\u0308\u0301|\u1fd6\u0001\u03b9\u0342|\u1fd7\u0001\u03b9\u0308\u0342|\u1fe2\u0001\u03c5\u0308\u0300|\u1fe3\u0001\u03c5\u0308\u0301|\u1fe4\u0001\u03c1\u0313|\u1fe6\u0001\u03c5\u0342|\u1fe7\u0001\u03c5\u0308\u0342|\u1ff2\u0001\u1f7c\u03b9|\u1ff3\u0001\u03c9\u03b9|\u1ff4\u0001\u03ce\u03b9|\u1ff6\u0001\u03c9\u0342|\u1ff7\u0001\u03c9\u0342\u03b9|\u1ffc\u0001\u03c9\u03b9|\uab70\u0001\u13a0|\uab71\u0001\u13a1|\uab72\u0001\u13a2|\uab73\u0001\u13a3|\uab74\u0001\u13a4|\uab75\u0001\u13a5|\uab76\u0001\u13a6|\uab77\u0001\u13a7|\uab78\u0001\u13a8|\uab79\u0001\u13a9|\uab7a\u0001\u13aa|\uab7b\u0001\u13ab|\uab7c\u0001\u13ac|\uab7d\u0001\u13ad|\uab7e\u0001\u13ae|\uab7f\u0001\u13af|\uab80\u0001\u13b0|\uab81\u0001\u13b1|\uab82\u0001\u13b2|\uab83\u0001\u13b3|\uab84\u0001\u13b4|\uab85\u0001\u13b5|\uab86\u0001\u13b6|\uab87\u0001\u13b7|\uab88\u0001\u13b8|\uab89\u0001\u13b9|\uab8a\u0001\u13ba|\uab8b\u0001\u13bb|\uab8c\u0001\u13bc|\uab8d\u0001\u13bd|\uab8e\u0001\u13be|\uab8f\u0001\u13bf|\uab90\u0001\u13c0|\uab91\u0001\u13c1|\uab92\u0001\u13c2|\uab93\u0001\u13c3|\uab94\u0001\u13c4|\uab95\u0001\u13c5|\uab96\u0001\u13c6|\uab97\u0001\u13c7|\uab98\u0001\u13c8|\uab99\u0001\u13c9|\uab9a\u0001\u13ca|\uab9b\u0001\u13cb|\uab9c\u0001\u13cc|\uab9d\u0001\u13cd|\uab9e\u0001\u13ce|\uab9f\u0001\u13cf|\uaba0\u0001\u13d0|\uaba1\u0001\u13d1|\uaba2\u0001\u13d2|\uaba3\u0001\u13d3|\uaba4\u0001\u13d4|\uaba5\u0001\u13d5|\uaba6\u0001\u13d6|\uaba7\u0001\u13d7|\uaba8\u0001\u13d8|\uaba9\u0001\u13d9|\uabaa\u0001\u13da|\uabab\u0001\u13db|\uabac\u0001\u13dc|\uabad\u0001\u13dd|\uabae\u0001\u13de|\uabaf\u0001\u13df|\uabb0\u0001\u13e0|\uabb1\u0001\u13e1|\uabb2\u0001\u13e2|\uabb3\u0001\u13e3|\uabb4\u0001\u13e4|\uabb5\u0001\u13e5|\uabb6\u0001\u13e6|\uabb7\u0001\u13e7|\uabb8\u0001\u13e8|\uabb9\u0001\u13e9|\uabba\u0001\u13ea|\uabbb\u0001\u13eb|\uabbc\u0001\u13ec|\uabbd\u0001\u13ed|\uabbe\u0001\u13ee|\uabbf\u0001\u13ef|\ufb00\u0001ff|\ufb01\u0001fi|\ufb02\u0001fl|\ufb03\u0001ffi|\ufb04\u0001ffl|\ufb05\u0001st|\ufb06\u0001st|\ufb13\u0001\u0574\u0576|\ufb14\u0001\u0574\u0565|\ufb15\u0001\u0574\u056b|\ufb16\u0001\u057e\u0576|\ufb17\u0001\u0574\u056d",
);

/** Title case of one character (Python uses the titlecase mapping, e.g. `ǆ` → `ǅ`, `ﬁ` → `Fi`). */
function titleChar(c: string): string {
  return TITLECASE.get(c) ?? c.toUpperCase();
}

/** Python's `str.casefold()`. */
export function strCasefold(s: string): string {
  return Array.from(s, (c) => CASEFOLD.get(c) ?? c.toLowerCase()).join('');
}

/** Lowercase of `cps[i]`, applying the final-sigma rule to `Σ` from its neighbours. */
function lowerAt(cps: string[], i: number): string {
  const c = cps[i] as string;
  if (c !== 'Σ') return c.toLowerCase();
  const before = cps.slice(Math.max(0, i - 16), i).join('');
  const lowered = (before + c + cps.slice(i + 1, i + 17).join('')).toLowerCase();
  return Array.from(lowered)[Array.from(before.toLowerCase()).length] ?? 'σ';
}

/** Python's `str.swapcase()`, with the final-sigma rule for `Σ`. */
function strSwapcase(s: string): string {
  const cps = Array.from(s);
  return cps.map((c, i) => (isUpper(c) ? lowerAt(cps, i) : isLower(c) ? c.toUpperCase() : c)).join('');
}

/** Python's `str.title()`. */
export function strTitle(s: string): string {
  let out = '';
  let prevCased = false;
  const cps = Array.from(s);
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i] as string;
    if (cased(c)) {
      out += prevCased ? lowerAt(cps, i) : titleChar(c);
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
  const cps = Array.from(s);
  if (cps.length === 0) return '';
  return (
    titleChar(cps[0] as string) +
    cps
      .slice(1)
      .map((_, i) => lowerAt(cps, i + 1))
      .join('')
  );
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
  if (width > 0x7fffffffffffffffn) {
    throw new PyException('OverflowError', 'Python int too large to convert to C ssize_t');
  }
  if (width > BigInt(MAX_BUILT_LENGTH)) throw new LimitError(VALUE_TOO_LARGE);
  const marg = Number(width) - len;
  if (mode === 'l') return s + fill.repeat(marg);
  if (mode === 'r') return fill.repeat(marg) + s;
  const left = Math.floor(marg / 2) + (marg & Number(width) & 1);
  return fill.repeat(left) + s + fill.repeat(marg - left);
}

function fillChar(v: PyValue | undefined): string {
  if (v === undefined) return ' ';
  if (!(typeof v === 'string' || v instanceof Markup || v instanceof Undefined)) {
    throw new PyException('TypeError', `The fill character must be a unicode character, not ${typeName(v)}`);
  }
  const s = needStr(null, v);
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

// Characters Python counts as digits (Numeric_Type=Digit, not Nd) and as numeric (Numeric_Type set,
// not in category N: CJK numerals), from CPython's unicodedata.
const DIGITS_EXTRA = new Set(
  Array.from(
    '\u00b2\u00b3\u00b9\u1369\u136a\u136b\u136c\u136d\u136e\u136f\u1370\u1371\u19da\u2070\u2074\u2075\u2076\u2077\u2078\u2079\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089\u2460\u2461\u2462\u2463\u2464\u2465\u2466\u2467\u2468\u2474\u2475\u2476\u2477\u2478\u2479\u247a\u247b\u247c\u2488\u2489\u248a\u248b\u248c\u248d\u248e\u248f\u2490\u24ea\u24f5\u24f6\u24f7\u24f8\u24f9\u24fa\u24fb\u24fc\u24fd\u24ff\u2776\u2777\u2778\u2779\u277a\u277b\u277c\u277d\u277e\u2780\u2781\u2782\u2783\u2784\u2785\u2786\u2787\u2788\u278a\u278b\u278c\u278d\u278e\u278f\u2790\u2791\u2792\ud802\ude40\ud802\ude41\ud802\ude42\ud802\ude43\ud803\ude60\ud803\ude61\ud803\ude62\ud803\ude63\ud803\ude64\ud803\ude65\ud803\ude66\ud803\ude67\ud803\ude68\ud804\udc52\ud804\udc53\ud804\udc54\ud804\udc55\ud804\udc56\ud804\udc57\ud804\udc58\ud804\udc59\ud804\udc5a\ud83c\udd00\ud83c\udd01\ud83c\udd02\ud83c\udd03\ud83c\udd04\ud83c\udd05\ud83c\udd06\ud83c\udd07\ud83c\udd08\ud83c\udd09\ud83c\udd0a',
  ),
);
const NUMERIC_EXTRA = new Set(
  Array.from(
    '\u3405\u3483\u382a\u3b4d\u4e00\u4e03\u4e07\u4e09\u4e5d\u4e8c\u4e94\u4e96\u4ebf\u4ec0\u4edf\u4ee8\u4f0d\u4f70\u5104\u5146\u5169\u516b\u516d\u5341\u5343\u5344\u5345\u534c\u53c1\u53c2\u53c3\u53c4\u56db\u58f1\u58f9\u5e7a\u5efe\u5eff\u5f0c\u5f0d\u5f0e\u5f10\u62fe\u634c\u67d2\u6f06\u7396\u767e\u8086\u842c\u8cae\u8cb3\u8d30\u9621\u9646\u964c\u9678\u96f6\uf96b\uf973\uf978\uf9b2\uf9d1\uf9d3\uf9fd\ud840\udc01\ud840\udc64\ud840\udce2\ud840\udd21\ud842\udd2a\ud842\udd83\ud842\udd8c\ud842\udd9c\ud842\udeea\ud842\udefd\ud842\udf19\ud848\udf90\ud84a\udd98\ud84e\udf1b\ud858\ude6d\ud87e\udc90',
  ),
);
const allChars = (s: string, ok: (c: string) => boolean): boolean => s.length > 0 && Array.from(s).every(ok);

const every = (s: string, re: RegExp): boolean => s.length > 0 && Array.from(s).every((c) => re.test(c));

const STR_METHODS: Record<string, MethodDef<string>> = {
  upper: { min: 0, max: 0, fn: (s) => s.toUpperCase() },
  lower: { min: 0, max: 0, fn: (s) => s.toLowerCase() },
  casefold: { min: 0, max: 0, fn: (s) => strCasefold(s) },
  swapcase: { min: 0, max: 0, fn: (s) => strSwapcase(s) },
  title: { min: 0, max: 0, fn: (s) => strTitle(s) },
  capitalize: { min: 0, max: 0, fn: (s) => strCapitalize(s) },
  strip: { min: 0, max: 1, fn: (s, [c]) => strStrip(s, optChars('strip', c), true, true) },
  lstrip: { min: 0, max: 1, fn: (s, [c]) => strStrip(s, optChars('lstrip', c), true, false) },
  rstrip: { min: 0, max: 1, fn: (s, [c]) => strStrip(s, optChars('rstrip', c), false, true) },
  split: {
    old: true,
    min: 0,
    max: 2,
    keywords: ['sep', 'maxsplit'],
    fn: (s, [sep, max]) => {
      const n = Number(needInt(max, -1n));
      return strSplit(s, optSep(sep), n);
    },
  },
  rsplit: {
    old: true,
    min: 0,
    max: 2,
    keywords: ['sep', 'maxsplit'],
    fn: (s, [sep, max]) => {
      const n = Number(needInt(max, -1n));
      return strRsplit(s, optSep(sep), n);
    },
  },
  splitlines: {
    old: true,
    min: 0,
    max: 1,
    keywords: ['keepends'],
    fn: (s, [k]) => splitLines(s, k !== undefined && needInt(k, 0n) !== 0n),
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
    fn: (s, [sub, a, b]) => BigInt(find(s, sub, a, b, false)),
  },
  rfind: {
    old: true,
    min: 1,
    max: 3,
    fn: (s, [sub, a, b]) => BigInt(find(s, sub, a, b, true)),
  },
  index: {
    old: true,
    min: 1,
    max: 3,
    fn: (s, [sub, a, b]) => {
      const i = find(s, sub, a, b, false);
      if (i < 0) throw new PyException('ValueError', 'substring not found');
      return BigInt(i);
    },
  },
  rindex: {
    old: true,
    min: 1,
    max: 3,
    fn: (s, [sub, a, b]) => {
      const i = find(s, sub, a, b, true);
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
      const q = needStr(null, sub);
      if (x > y) return 0n;
      const part = st.slice(x, y);
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
  isdigit: { min: 0, max: 0, fn: (s) => allChars(s, (c) => /\p{Nd}/u.test(c) || DIGITS_EXTRA.has(c)) },
  isdecimal: { min: 0, max: 0, fn: (s) => every(s, /\p{Nd}/u) },
  isnumeric: { min: 0, max: 0, fn: (s) => allChars(s, (c) => /\p{N}/u.test(c) || NUMERIC_EXTRA.has(c)) },
  isalpha: { min: 0, max: 0, fn: (s) => every(s, /\p{L}/u) },
  isalnum: { min: 0, max: 0, fn: (s) => every(s, /[\p{L}\p{Nd}\p{Nl}\p{No}]/u) },
  isspace: { min: 0, max: 0, fn: (s) => s.length > 0 && Array.from(s).every(isWs) },
  isprintable: { min: 0, max: 0, fn: (s) => strIsPrintable(s) },
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
      const p = needStr(null, sep);
      if (p === '') throw new PyException('ValueError', 'empty separator');
      const i = s.indexOf(p);
      return i < 0 ? new PyTuple([s, '', '']) : new PyTuple([s.slice(0, i), p, s.slice(i + p.length)]);
    },
  },
  rpartition: {
    min: 1,
    max: 1,
    fn: (s, [sep]) => {
      const p = needStr(null, sep);
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
  override hashable(): boolean {
    return false;
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
  // A classmethod, reachable from any dict: `{}.fromkeys(names, 0)`.
  fromkeys: {
    min: 1,
    max: 2,
    fn: (_d, [keys, value], ctx) => {
      const out: PyDict = new Map();
      for (const k of pyIter(keys ?? null)) {
        ctx.tick();
        dictSet(out, k, value ?? null);
      }
      return out;
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
    if (name === 'format_map') {
      // format_map(mapping): the named fields are looked up in the mapping (no positional ones).
      return new PyFunction(
        'format_map',
        (args, kwargs) => {
          const mapping = args[0];
          if (args.length !== 1 || kwargs.size > 0) {
            throw new PyException(
              'TypeError',
              `format_map() takes exactly one argument (${args.length + kwargs.size} given)`,
            );
          }
          if (!(mapping instanceof Map)) {
            throw new PyException('TypeError', `'${typeName(mapping ?? null)}' object is not a mapping`);
          }
          const named = new Map<string, PyValue>();
          for (const [k, v] of mapping) if (typeof k === 'string') named.set(k, v);
          return strFormat(s, [], named);
        },
        '<built-in method format_map of str object>',
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
        const sorted = pySorted(obj, (x) => x, rev !== undefined && needInt(rev, 0n) !== 0n);
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

/**
 * markupsafe's (3.0) Markup methods: str results stay Markup; only `replace`'s new text and the
 * fill character of `center`, `ljust` and `rjust` are escaped (MARKUP_ESCAPED_ARG).
 */
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
/** The position of the argument markupsafe escapes, by method. */
const MARKUP_ESCAPED_ARG: Record<string, number> = { replace: 1, center: 1, ljust: 1, rjust: 1 };

/** markupsafe's `escape` as a plain string: a Markup as it is, anything else str()'d and escaped. */
function escapeArg(v: PyValue): string {
  if (v instanceof Markup) return v.value;
  return escapeHtml(pyStr(v));
}

function toMarkup(v: PyValue): PyValue {
  if (typeof v === 'string') return new Markup(v);
  if (Array.isArray(v)) return v.map(toMarkup);
  if (v instanceof PyTuple) return new PyTuple(v.items.map(toMarkup));
  return v;
}

/** Markup's own methods over its text (`striptags`, `unescape`), which filters.ts provides. */
const MARKUP_OWN = new Map<string, (text: string) => PyValue>();

/** Registers Markup's `striptags()` and `unescape()` (their HTML code lives with the filters). */
export function registerMarkupMethods(methods: Record<string, (text: string) => PyValue>): void {
  for (const [name, fn] of Object.entries(methods)) MARKUP_OWN.set(name, fn);
}

function markupMethod(obj: Markup, name: string): PyValue | undefined {
  const s = obj.value;
  const own = MARKUP_OWN.get(name);
  if (own) {
    return new PyFunction(name, (args, kwargs) => {
      checkMethodArgs('Markup', name, 0, 0, args, kwargs);
      return own(s);
    });
  }
  if (name === 'format') {
    return new PyFunction('format', (args, kwargs) => new Markup(strFormat(s, args, kwargs, escapeHtml)));
  }
  if (name === 'join') {
    return new PyFunction('join', (args, kwargs) => {
      const [it] = checkMethodArgs('str', 'join', 1, 1, args, kwargs);
      return new Markup(
        strJoin(
          s,
          Array.from(pyIter(it ?? null), (x) => escapeArg(x)),
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
        const at = MARKUP_ESCAPED_ARG[name];
        const escaped = args.map((a, i) => (i === at ? escapeArg(a) : a));
        return toMarkup(inner.call(escaped, kwargs, ctx));
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
