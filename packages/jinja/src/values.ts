/**
 * The Python value model templates compute with. Python `None`, `bool`, `int`, `float` and `str`
 * map to JS `null`, `boolean`, `bigint`, `number` and `string`; `list` is a JS array, `dict` a
 * `Map` whose keys follow Python equality (`1`, `1.0` and `True` are one key), and the other
 * Python types are the classes below. Templates only ever reach data through `getAttr`/`getItem`
 * here, which read maps, arrays and explicit method tables — never a JS property of a host object.
 */
import { PyException, SecurityError, UndefinedError } from './errors.ts';

/** A value a template can compute with. */
export type PyValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | PyValue[]
  | PyTuple
  | PyDict
  | Markup
  | Undefined
  | PyCallable
  | PyRange
  | PySlice
  | PyObject;

/** A Python dict: insertion-ordered, keys normalised with `dictGet`/`dictSet`/`dictHas`. */
export type PyDict = Map<PyValue, PyValue>;

/** What a filter, test, global or method receives from the engine while it runs. */
export interface CallContext {
  /** A filter by name (for `map`, `select`, ...), or undefined when there is none. */
  filter(name: string): FilterFunction | undefined;
  /** A test by name, or undefined when there is none. */
  test(name: string): TestFunction | undefined;
  /** Counts work (loop iterations, materialised items) against the render budget. */
  tick(n?: number): void;
  /** True inside `{% autoescape true %}` (filters such as join/replace then keep Markup as Jinja2 does). */
  readonly autoescape?: boolean;
}

/** A filter: the piped value, then the call's positional and keyword arguments. */
export type FilterFunction = (
  ctx: CallContext,
  value: PyValue,
  args: PyValue[],
  kwargs: Map<string, PyValue>,
) => PyValue;

/** A test: the tested value, then the call's positional and keyword arguments. */
export type TestFunction = (
  ctx: CallContext,
  value: PyValue,
  args: PyValue[],
  kwargs: Map<string, PyValue>,
) => boolean;

/** Something templates can call: builtin functions, bound methods, macros, `joiner()`. */
export interface PyCallable {
  readonly pyName: string;
  call(args: PyValue[], kwargs: Map<string, PyValue>, ctx: CallContext): PyValue;
}

/** Python's `tuple`. `fields` makes it a named tuple (`groupby` gives `.grouper`/`.list`). */
export class PyTuple {
  constructor(
    readonly items: PyValue[],
    readonly fields?: readonly string[],
    readonly className?: string,
  ) {}
}

/** Jinja2's `Markup`: a str that is already escaped. */
export class Markup {
  constructor(readonly value: string) {}
}

/** Python's `slice` (what `x[a:b:c]` indexes with). */
export class PySlice {
  constructor(
    readonly start: PyValue,
    readonly stop: PyValue,
    readonly step: PyValue,
  ) {}
}

/**
 * A StrictUndefined: every use but `is defined`, `default` and identity tests raises
 * `UndefinedError` with `message`.
 */
export class Undefined {
  constructor(
    readonly name: string,
    /** The message, or a function making it when the undefined is used (see missingElement). */
    readonly hint?: string | (() => string),
    /**
     * Jinja2's plain `Undefined` (what `x if false` without else gives even under StrictUndefined):
     * prints as '', is false, iterates empty and has length 0; other uses still raise.
     */
    readonly lenient = false,
  ) {}

  /** Jinja2's message: `'x' is undefined` or the hint (`'dict object' has no attribute 'y'`). */
  get message(): string {
    if (typeof this.hint === 'function') return this.hint();
    return this.hint ?? `${pyRepr(this.name)} is undefined`;
  }

  /** Throws the error Jinja2's StrictUndefined raises when this value is used. */
  fail(): never {
    throw new UndefinedError(this.message);
  }

  /** The undefined Jinja2 returns when `obj` has no attribute `name`. */
  static missingAttr(obj: PyValue, name: string): Undefined {
    return new Undefined(name, `${pyRepr(objectTypeRepr(obj))} has no attribute ${pyRepr(name)}`);
  }

  /** The undefined Jinja2 returns when `obj[key]` fails for a key that is not a str. */
  static missingElement(obj: PyValue, key: PyValue): Undefined {
    // Jinja2 formats the message only when the undefined is used: repr() of the key can raise
    // (an int past CPython's 4300-digit limit) where `is defined` or `default` must not.
    return new Undefined(typeof key === 'string' ? key : '', () => {
      return `${objectTypeRepr(obj)} has no element ${pyRepr(key)}`;
    });
  }
}

/**
 * A Python object with attributes (namespace, cycler, joiner, loop, ...). Subclasses answer
 * attribute lookups from explicit tables; they never expose JS properties.
 */
export abstract class PyObject {
  /** Python's type name (`type(x).__name__`). */
  abstract readonly typeName: string;
  /** The module Python's class lives in, for messages (`jinja2.utils`). */
  readonly moduleName: string = 'jinja2.utils';
  /** The attribute `name`, or undefined when there is none. */
  abstract getAttr(name: string, ctx?: CallContext): PyValue | undefined;
  /** `obj[key]`, or undefined when that fails (Jinja2 then tries the attribute). */
  getItem(_key: PyValue): PyValue | undefined {
    return undefined;
  }
  /** Python's `repr()`. */
  repr(): string {
    return `<${this.moduleName}.${this.typeName} object>`;
  }
  /** Python's `str()`. */
  str(): string {
    return this.repr();
  }
  /**
   * `format(obj, spec)` for a non-empty spec (`{:spec}` in `str.format`), or undefined when the
   * type has no `__format__` of its own (object's, which refuses every non-empty spec).
   */
  format(_spec: string): string | undefined {
    return undefined;
  }
  truthy(): boolean {
    return true;
  }
  /**
   * `self <op> other` (or `other <op> self` when `reflected`) for the types that define
   * arithmetic (dates and timedeltas), or undefined when the type does not support it.
   */
  arith(_op: string, _other: PyValue, _reflected: boolean): PyValue | undefined {
    return undefined;
  }
  /** `-self`, or undefined when the type has no `__neg__`. */
  negate(): PyValue | undefined {
    return undefined;
  }
  /** Iteration, when the object is iterable. */
  iter(): Iterable<PyValue> | undefined {
    return undefined;
  }
  /** `len()`, when the object has a length. */
  len(): number | undefined {
    return undefined;
  }
  /** False for unhashable objects (dict views), which cannot be dict keys. */
  hashable(): boolean {
    return true;
  }
  /** `self == other`; undefined means Python's default (identity). */
  equals(_other: PyValue): boolean | undefined {
    return undefined;
  }
  /** Ordering against `other` (negative, zero, positive); undefined when the types do not order. */
  compareTo(_other: PyValue): number | undefined {
    return undefined;
  }
}

/** A one-shot Python iterator or generator (what `map`, `select`, `reverse` ... return). */
export class PyIterator extends PyObject {
  override readonly moduleName = 'builtins';
  constructor(
    readonly source: Iterator<PyValue>,
    readonly typeName: string = 'generator',
    /** The generator function's name for `repr()` (`sync_do_map`). */
    readonly functionName: string = 'generator',
  ) {
    super();
  }
  getAttr(): PyValue | undefined {
    return undefined;
  }
  override iter(): Iterable<PyValue> {
    return { [Symbol.iterator]: () => this.source };
  }
  override repr(): string {
    return this.typeName === 'generator'
      ? `<generator object ${this.functionName}>`
      : `<${this.typeName} object>`;
  }
}

/** A plain JS function as a Python callable. */
export class PyFunction implements PyCallable {
  constructor(
    readonly pyName: string,
    readonly fn: (args: PyValue[], kwargs: Map<string, PyValue>, ctx: CallContext) => PyValue,
    /** How `str()` shows it: `<built-in method upper of str object>`-style text. */
    readonly display?: string,
  ) {}
  call(args: PyValue[], kwargs: Map<string, PyValue>, ctx: CallContext): PyValue {
    return this.fn(args, kwargs, ctx);
  }
}

/** Python's lazy `range`. */
export class PyRange {
  readonly length: bigint;
  constructor(
    readonly start: bigint,
    readonly stop: bigint,
    readonly step: bigint,
  ) {
    if (step === 0n) throw new PyException('ValueError', 'range() arg 3 must not be zero');
    let n: bigint;
    if (step > 0n) n = stop > start ? (stop - start + step - 1n) / step : 0n;
    else n = start > stop ? (start - stop - step - 1n) / -step : 0n;
    this.length = n;
  }
  at(i: bigint): bigint {
    return this.start + i * this.step;
  }
  *[Symbol.iterator](): Iterator<PyValue> {
    for (let i = 0n; i < this.length; i++) yield this.start + i * this.step;
  }
}

/** Jinja2's `namespace()`: attributes that `{% set ns.x = ... %}` may assign. */
export class Namespace extends PyObject {
  readonly typeName = 'Namespace';
  constructor(readonly attrs: Map<string, PyValue> = new Map()) {
    super();
  }
  getAttr(name: string): PyValue | undefined {
    return this.attrs.get(name);
  }
  set(name: string, value: PyValue): void {
    this.attrs.set(name, value);
  }
  override repr(): string {
    const d: PyDict = new Map();
    for (const [k, v] of this.attrs) d.set(k, v);
    return `<Namespace ${pyRepr(d)}>`;
  }
}

/** Jinja2's `cycler(*items)`. */
export class Cycler extends PyObject {
  readonly typeName = 'Cycler';
  pos = 0;
  constructor(readonly items: PyValue[]) {
    super();
    if (items.length === 0) throw new PyException('RuntimeError', 'at least one item has to be provided');
  }
  get current(): PyValue {
    return this.items[this.pos] as PyValue;
  }
  next(): PyValue {
    const rv = this.current;
    this.pos = (this.pos + 1) % this.items.length;
    return rv;
  }
  getAttr(name: string): PyValue | undefined {
    switch (name) {
      case 'current':
        return this.current;
      case 'items':
        return new PyTuple(this.items);
      case 'pos':
        return BigInt(this.pos);
      case 'next':
        return new PyFunction('next', (a, k) => {
          noArgs('next', a, k);
          return this.next();
        });
      case 'reset':
        return new PyFunction('reset', (a, k) => {
          noArgs('reset', a, k);
          this.pos = 0;
          return null;
        });
      default:
        return undefined;
    }
  }
}

/** Jinja2's `joiner(sep)`: returns '' the first time it is called, then `sep`. */
export class Joiner extends PyObject implements PyCallable {
  readonly typeName = 'Joiner';
  readonly pyName = 'joiner';
  used = false;
  constructor(readonly sep: string) {
    super();
  }
  call(args: PyValue[], kwargs: Map<string, PyValue>): PyValue {
    noArgs('__call__', args, kwargs);
    if (!this.used) {
      this.used = true;
      return '';
    }
    return this.sep;
  }
  getAttr(name: string): PyValue | undefined {
    if (name === 'sep') return this.sep;
    if (name === 'used') return this.used;
    return undefined;
  }
}

function noArgs(name: string, args: PyValue[], kwargs: Map<string, PyValue>): void {
  if (kwargs.size > 0) {
    throw new PyException('TypeError', `${name}() takes no keyword arguments`);
  }
  if (args.length > 0) {
    throw new PyException('TypeError', `${name}() takes no arguments (${args.length} given)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Type checks

export function isCallable(v: PyValue): v is PyCallable {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    typeof (v as Partial<PyCallable>).call === 'function' &&
    typeof (v as Partial<PyCallable>).pyName === 'string'
  );
}

export function isDict(v: PyValue): v is PyDict {
  return v instanceof Map;
}

/** True for Python `int` (and `bool`, which is an int subclass). */
export function isIntLike(v: PyValue): v is bigint | boolean {
  return typeof v === 'bigint' || typeof v === 'boolean';
}

/** True for Python numbers (`bool`, `int`, `float`). */
export function isNumber(v: PyValue): v is bigint | boolean | number {
  return typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'number';
}

/** True for `str` and `Markup`. */
export function isString(v: PyValue): v is string | Markup {
  return typeof v === 'string' || v instanceof Markup;
}

/** The JS string of a `str` or `Markup`. */
export function strValue(v: string | Markup): string {
  return typeof v === 'string' ? v : v.value;
}

/** Raises the StrictUndefined error when `v` is undefined. */
export function checkDefined(v: PyValue): void {
  if (v instanceof Undefined) v.fail();
}

/** Python's `type(v).__name__`. */
export function typeName(v: PyValue): string {
  if (v === null) return 'NoneType';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'str';
    default:
      break;
  }
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyTuple) return v.className ?? 'tuple';
  if (v instanceof Map) return 'dict';
  if (v instanceof Markup) return 'Markup';
  if (v instanceof Undefined) return 'StrictUndefined';
  if (v instanceof PyRange) return 'range';
  if (v instanceof PySlice) return 'slice';
  if (v instanceof PyObject) return v.typeName;
  if (v instanceof PyFunction) {
    // Globals print as classes or functions; bound methods are builtin methods.
    if (v.display?.startsWith('<class')) return 'type';
    if (v.display?.startsWith('<function')) return 'function';
    return 'builtin_function_or_method';
  }
  return 'function';
}

/** Jinja2's `object_type_repr`, used in undefined messages: `dict object`, `None`. */
export function objectTypeRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (v instanceof Markup) return 'markupsafe.Markup object';
  if (v instanceof PyObject) {
    return v.moduleName === 'builtins' ? `${v.typeName} object` : `${v.moduleName}.${v.typeName} object`;
  }
  return `${typeName(v)} object`;
}

// ---------------------------------------------------------------------------------------------
// Strings by code point

const SURROGATE = /[\uD800-\uDFFF]/;

/** True when the string has astral characters (UTF-16 surrogate pairs). */
export function hasSurrogates(s: string): boolean {
  return SURROGATE.test(s);
}

/** The string's code points as one-character strings. */
export function codePoints(s: string): string[] {
  return hasSurrogates(s) ? Array.from(s) : s.split('');
}

/** `len(s)`: code points, as Python counts. */
export function strLen(s: string): number {
  if (!hasSurrogates(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Compares strings by code point (Python's order), not by UTF-16 unit as JS does. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      return x < y ? -1 : 1;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

// ---------------------------------------------------------------------------------------------
// str() and repr()

/** Python's `repr(float)`: shortest round-trip digits, `1e+16`, `1e-05`, `2.0`, `inf`, `nan`. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const exp = x.toExponential(); // shortest digits, e.g. "-1.2345e+2"
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp);
  if (!m) return String(x);
  const sign = m[1] ?? '';
  const digits = (m[2] ?? '') + (m[3] ?? '');
  const e = Number(m[4]);
  const decpt = e + 1;
  if (decpt <= -4 || decpt > 16) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ee = Math.abs(e);
    return `${sign}${mant}e${e < 0 ? '-' : '+'}${ee < 10 ? '0' : ''}${ee}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

// Python's str.isprintable() is false for these categories (space excepted).
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's `str.isprintable()` (true for the empty string). */
export function strIsPrintable(s: string): boolean {
  for (const ch of s) if (ch !== ' ' && NON_PRINTABLE.test(ch)) return false;
  return true;
}

/** Python's `repr(str)`, choosing quotes as Python does. */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      const cp = ch.codePointAt(0) ?? 0;
      if (cp < 0x100) out += '\\x' + cp.toString(16).padStart(2, '0');
      else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
      else out += '\\U' + cp.toString(16).padStart(8, '0');
    } else out += ch;
  }
  return out + quote;
}

// CPython (3.11, and security releases of 3.7-3.10) refuses to convert between int and a decimal
// str of more than sys.get_int_max_str_digits() = 4300 digits (the sign does not count); the
// power-of-two bases 2, 8, 16 are exempt. Jinja2 inherits this: `{{ 10 ** 5000 }}` raises, and
// `"9" * 4301 | int` is 0. Every int <-> decimal str conversion in the engine goes through here.

/** CPython's default `sys.get_int_max_str_digits()`. */
export const INT_MAX_STR_DIGITS = 4300;
/** 10 ** 4300, the smallest int (in magnitude) with more than 4300 decimal digits. */
const FIRST_INT_OVER_LIMIT = 10n ** BigInt(INT_MAX_STR_DIGITS);

/** Raises CPython's ValueError when a str of `digits` decimal digits is read as an int. */
export function checkIntStrDigits(digits: number): void {
  if (digits > INT_MAX_STR_DIGITS) {
    throw new PyException(
      'ValueError',
      `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits} digits; use sys.set_int_max_str_digits() to increase the limit`,
    );
  }
}

/** Whether `str(n)` is refused: `n` has more than 4300 decimal digits. */
export function exceedsIntStrDigits(n: bigint): boolean {
  return (n < 0n ? -n : n) >= FIRST_INT_OVER_LIMIT;
}

/** `str(n)` for an int: its decimal digits, or CPython's ValueError past 4300 digits. */
export function intStr(n: bigint): string {
  if (exceedsIntStrDigits(n)) {
    throw new PyException(
      'ValueError',
      `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit`,
    );
  }
  return n.toString();
}

/** Python's `str(v)`. Raises for undefined values (StrictUndefined). */
export function pyStr(v: PyValue): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'None';
  switch (typeof v) {
    case 'boolean':
      return v ? 'True' : 'False';
    case 'bigint':
      return intStr(v);
    case 'number':
      return floatRepr(v);
    default:
      break;
  }
  if (v instanceof Markup) return v.value;
  if (v instanceof Undefined) return v.lenient ? '' : v.fail();
  if (v instanceof PyObject) return v.str();
  return pyRepr(v);
}

/** Python's `repr(v)`. */
export function pyRepr(v: PyValue): string {
  return reprInner(v, new Set());
}

function reprInner(v: PyValue, seen: Set<object>): string {
  if (typeof v === 'string') return strRepr(v);
  if (v === null || typeof v !== 'object') return pyStr(v);
  if (Array.isArray(v)) {
    if (seen.has(v)) return '[...]';
    seen.add(v);
    const s = `[${v.map((x) => reprInner(x, seen)).join(', ')}]`;
    seen.delete(v);
    return s;
  }
  if (v instanceof PyTuple) {
    if (v.items.length === 1) return `(${reprInner(v.items[0] as PyValue, seen)},)`;
    return `(${v.items.map((x) => reprInner(x, seen)).join(', ')})`;
  }
  if (v instanceof Map) {
    if (seen.has(v)) return '{...}';
    seen.add(v);
    const parts: string[] = [];
    for (const [k, x] of v) parts.push(`${reprInner(k, seen)}: ${reprInner(x, seen)}`);
    seen.delete(v);
    return `{${parts.join(', ')}}`;
  }
  if (v instanceof Markup) return `Markup(${strRepr(v.value)})`;
  if (v instanceof Undefined) return 'Undefined';
  if (v instanceof PyRange) {
    return v.step === 1n
      ? `range(${intStr(v.start)}, ${intStr(v.stop)})`
      : `range(${intStr(v.start)}, ${intStr(v.stop)}, ${intStr(v.step)})`;
  }
  if (v instanceof PySlice) {
    return `slice(${reprInner(v.start, seen)}, ${reprInner(v.stop, seen)}, ${reprInner(v.step, seen)})`;
  }
  if (v instanceof PyObject) return v.repr();
  if (v instanceof PyFunction && v.display !== undefined) return v.display;
  return `<function ${v.pyName}>`;
}

// ---------------------------------------------------------------------------------------------
// Truthiness, equality, ordering, length, iteration

/** Python's `bool(v)`. Raises for undefined values. */
export function truthy(v: PyValue): boolean {
  if (v === null) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0;
    case 'string':
      return v.length > 0;
    default:
      break;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof PyTuple) return v.items.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (v instanceof Markup) return v.value.length > 0;
  if (v instanceof Undefined) return v.lenient ? false : v.fail();
  if (v instanceof PyRange) return v.length > 0n;
  if (v instanceof PyObject) return v.truthy();
  return true;
}

/** A number as a JS number (bool → 0/1; int may lose precision). */
export function toNumber(v: bigint | boolean | number): number {
  return typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
}

/** Compares two Python numbers exactly (int vs float without precision loss). NaN → NaN. */
export function compareNumbers(a: bigint | boolean | number, b: bigint | boolean | number): number {
  const x = typeof a === 'boolean' ? (a ? 1n : 0n) : a;
  const y = typeof b === 'boolean' ? (b ? 1n : 0n) : b;
  if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'number' && typeof y === 'number') {
    if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  // int vs float
  const [i, f, flip] = typeof x === 'bigint' ? [x, y as number, 1] : [y as bigint, x as number, -1];
  if (Number.isNaN(f)) return NaN;
  if (f === Infinity) return -1 * flip;
  if (f === -Infinity) return 1 * flip;
  const fl = Math.floor(f);
  const fi = BigInt(fl);
  let c: number;
  if (i < fi) c = -1;
  else if (i > fi) c = 1;
  else c = f > fl ? -1 : 0;
  return c * flip;
}

/** Python's `a == b`. Raises for undefined values. */
export function pyEq(a: PyValue, b: PyValue): boolean {
  if (a === b) return !(typeof a === 'number' && Number.isNaN(a));
  if (a instanceof Undefined && a.lenient) return b instanceof Undefined && b.lenient;
  if (b instanceof Undefined && b.lenient) return false;
  if (a instanceof Undefined) a.fail();
  if (b instanceof Undefined) b.fail();
  if (isNumber(a)) return isNumber(b) && compareNumbers(a, b) === 0;
  if (isString(a)) return isString(b) && strValue(a) === strValue(b);
  if (Array.isArray(a)) return Array.isArray(b) && seqEq(a, b);
  if (a instanceof PyTuple) return b instanceof PyTuple && seqEq(a.items, b.items);
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!dictHas(b, k)) return false;
      const w = dictGet(b, k) as PyValue;
      if (v !== w && !pyEq(v, w)) return false;
    }
    return true;
  }
  if (a instanceof PyObject) return a.equals(b) ?? (b instanceof PyObject && b.equals(a) === true);
  if (b instanceof PyObject) return b.equals(a) ?? false;
  if (a instanceof PyRange) {
    if (!(b instanceof PyRange) || a.length !== b.length) return false;
    if (a.length === 0n) return true;
    if (a.start !== b.start) return false;
    return a.length === 1n || a.step === b.step;
  }
  return false;
}

function seqEq(a: PyValue[], b: PyValue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as PyValue;
    const y = b[i] as PyValue;
    if (x !== y && !pyEq(x, y)) return false;
  }
  return true;
}

export type CompareOp = '<' | '<=' | '>' | '>=';

function unorderable(op: string, a: PyValue, b: PyValue): never {
  throw new PyException(
    'TypeError',
    `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`,
  );
}

/** Python's ordering comparisons (`<`, `<=`, `>`, `>=`), TypeError for unorderable types. */
export function pyOrder(op: CompareOp, a: PyValue, b: PyValue): boolean {
  if (a instanceof Undefined) a.fail();
  if (b instanceof Undefined) b.fail();
  let c: number;
  if (isNumber(a) && isNumber(b)) c = compareNumbers(a, b);
  else if (isString(a) && isString(b)) c = compareStrings(strValue(a), strValue(b));
  else if (Array.isArray(a) && Array.isArray(b)) return seqOrder(op, a, b);
  else if (a instanceof PyTuple && b instanceof PyTuple) return seqOrder(op, a.items, b.items);
  else {
    const o = a instanceof PyObject ? a.compareTo(b) : undefined;
    if (o === undefined) return unorderable(op, a, b);
    c = o;
  }
  if (Number.isNaN(c)) return false;
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

function seqOrder(op: CompareOp, a: PyValue[], b: PyValue[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as PyValue;
    const y = b[i] as PyValue;
    if (x !== y && !pyEq(x, y)) return pyOrder(op, x, y);
  }
  return pyOrder(op, BigInt(a.length), BigInt(b.length));
}

/**
 * A total order for sorting (`sorted()` uses `<` only): negative, zero or positive. Raises
 * Python's TypeError for unorderable values.
 */
export function pyCompare(a: PyValue, b: PyValue): number {
  if (pyOrder('<', a, b)) return -1;
  if (pyOrder('<', b, a)) return 1;
  return 0;
}

/** Python's `len(v)`. */
export function pyLen(v: PyValue): number {
  if (typeof v === 'string') return strLen(v);
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (v instanceof PyTuple) return v.items.length;
  if (v instanceof Markup) return strLen(v.value);
  if (v instanceof Undefined && v.lenient) return 0;
  if (v instanceof PyRange) {
    if (v.length > 0x7fffffffffffffffn) {
      throw new PyException('OverflowError', 'Python int too large to convert to C ssize_t');
    }
    return Number(v.length);
  }
  if (v instanceof Undefined) return v.fail();
  if (v instanceof PyObject) {
    const n = v.len();
    if (n !== undefined) return n;
  }
  throw new PyException('TypeError', `object of type '${typeName(v)}' has no len()`);
}

/** True when `iter(v)` works. */
export function isIterable(v: PyValue): boolean {
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

/** Python's `iter(v)`: dict → keys, str → characters, range lazily. */
export function pyIter(v: PyValue): Iterable<PyValue> {
  if (typeof v === 'string') return codePoints(v);
  if (Array.isArray(v)) return v;
  if (v instanceof Map) return v.keys();
  if (v instanceof PyTuple) return v.items;
  if (v instanceof Markup) return codePoints(v.value);
  if (v instanceof PyRange) return v;
  if (v instanceof Undefined) return v.lenient ? [] : v.fail();
  if (v instanceof PyObject) {
    const it = v.iter();
    if (it) return it;
  }
  throw new PyException('TypeError', `'${typeName(v)}' object is not iterable`);
}

/** `list(v)`: the items of an iterable, counting each against the budget when given one. */
export function toList(v: PyValue, ctx?: CallContext): PyValue[] {
  if (Array.isArray(v)) {
    ctx?.tick(v.length);
    return v.slice();
  }
  if (v instanceof PyRange && ctx) ctx.tick(Number(v.length));
  const it = pyIter(v);
  return Array.from(it);
}

// ---------------------------------------------------------------------------------------------
// dict helpers with Python key equality

/** Raises Python's TypeError when `key` cannot be a dict key or set member. */
export function hashable(key: PyValue): void {
  if (Array.isArray(key) || key instanceof Map || (key instanceof PyObject && !key.hashable())) {
    throw new PyException('TypeError', `unhashable type: '${typeName(key)}'`);
  }
  if (key instanceof Undefined) key.fail();
  if (key instanceof PyTuple) key.items.forEach(hashable);
}

/** The key already in `map` that equals `key` in Python, or undefined. */
function findKey(map: PyDict, key: PyValue): { found: true; key: PyValue } | { found: false } {
  if (map.has(key)) return { found: true, key };
  if (typeof key === 'string' || key === null) {
    return { found: false };
  }
  if (isNumber(key)) {
    const n = typeof key === 'boolean' ? (key ? 1 : 0) : Number(key);
    const candidates: PyValue[] = [];
    if (typeof key !== 'number' || Number.isInteger(key)) {
      if (typeof key !== 'bigint' && Number.isSafeInteger(n)) candidates.push(BigInt(n));
      if (typeof key !== 'number' && Number(key) === n) candidates.push(n);
      if (n === 1 || n === 0) candidates.push(n === 1);
      if (typeof key === 'number' && !Number.isSafeInteger(n) && Number.isFinite(n))
        candidates.push(BigInt(n));
      if (typeof key === 'bigint') candidates.push(Number(key));
    }
    for (const c of candidates) if (map.has(c) && pyEq(c, key)) return { found: true, key: c };
    return { found: false };
  }
  // Tuples, markup and other objects: compare with Python equality.
  for (const k of map.keys()) {
    if (typeof k === 'object' && k !== null && pyEq(k, key)) return { found: true, key: k };
    if (typeof k === 'string' && key instanceof Markup && k === key.value) return { found: true, key: k };
  }
  return { found: false };
}

/** `map[key]` with Python key equality, or undefined when missing. */
export function dictGet(map: PyDict, key: PyValue): PyValue | undefined {
  if (typeof key === 'string') return map.get(key);
  hashable(key);
  const f = findKey(map, key);
  return f.found ? map.get(f.key) : undefined;
}

/** `key in map` with Python key equality. */
export function dictHas(map: PyDict, key: PyValue): boolean {
  if (typeof key === 'string') return map.has(key);
  hashable(key);
  return findKey(map, key).found;
}

/** `map[key] = value`; an equal key already present keeps its original form, as Python does. */
export function dictSet(map: PyDict, key: PyValue, value: PyValue): void {
  if (typeof key === 'string') {
    map.set(key, value);
    return;
  }
  hashable(key);
  const f = findKey(map, key);
  map.set(f.found ? f.key : key, value);
}

/** `del map[key]`; returns whether it was there. */
export function dictDelete(map: PyDict, key: PyValue): boolean {
  if (typeof key === 'string') return map.delete(key);
  hashable(key);
  const f = findKey(map, key);
  return f.found ? map.delete(f.key) : false;
}

// ---------------------------------------------------------------------------------------------
// Attribute and item lookup (Jinja2's Environment.getattr / getitem)

type MethodLookup = (obj: PyValue, name: string) => PyValue | undefined;
let methodLookup: MethodLookup = () => undefined;

/** Installs the Python method tables (methods.ts registers itself here). */
export function registerMethods(lookup: MethodLookup): void {
  methodLookup = lookup;
}

/** Python `getattr(obj, name)`, or undefined when there is no such attribute. */
export function pyGetAttr(obj: PyValue, name: string, ctx?: CallContext): PyValue | undefined {
  if (obj instanceof PyObject) return obj.getAttr(name, ctx);
  if (obj instanceof PyTuple && obj.fields) {
    const i = obj.fields.indexOf(name);
    if (i >= 0) return obj.items[i] as PyValue;
  }
  if (obj instanceof PyRange) {
    if (name === 'start') return obj.start;
    if (name === 'stop') return obj.stop;
    if (name === 'step') return obj.step;
  }
  if (obj instanceof PySlice) {
    if (name === 'start') return obj.start;
    if (name === 'stop') return obj.stop;
    if (name === 'step') return obj.step;
  }
  if (isNumber(obj)) {
    if (name === 'real') return typeof obj === 'boolean' ? (obj ? 1n : 0n) : obj;
    if (name === 'imag') return typeof obj === 'number' ? 0 : 0n;
    if (isIntLike(obj)) {
      if (name === 'numerator') return typeof obj === 'boolean' ? (obj ? 1n : 0n) : obj;
      if (name === 'denominator') return 1n;
    }
  }
  return methodLookup(obj, name);
}

/** Python `obj[key]`, or undefined when that raises a lookup/type error. */
export function pyGetItem(obj: PyValue, key: PyValue): PyValue | undefined {
  if (key instanceof PySlice) return sliceValue(obj, key);
  if (obj instanceof Map) {
    if (Array.isArray(key) || key instanceof Map) return undefined;
    return dictGet(obj, key);
  }
  let seq: PyValue[] | undefined;
  if (Array.isArray(obj)) seq = obj;
  else if (obj instanceof PyTuple) seq = obj.items;
  if (seq !== undefined || typeof obj === 'string' || obj instanceof Markup || obj instanceof PyRange) {
    if (!isIntLike(key)) return undefined;
    let i = typeof key === 'boolean' ? (key ? 1n : 0n) : key;
    if (seq !== undefined) {
      const n = BigInt(seq.length);
      if (i < 0n) i += n;
      if (i < 0n || i >= n) return undefined;
      return seq[Number(i)] as PyValue;
    }
    if (obj instanceof PyRange) {
      if (i < 0n) i += obj.length;
      if (i < 0n || i >= obj.length) return undefined;
      return obj.at(i);
    }
    const s = strValue(obj as string | Markup);
    const cps = hasSurrogates(s) ? codePoints(s) : undefined;
    const n = BigInt(cps ? cps.length : s.length);
    if (i < 0n) i += n;
    if (i < 0n || i >= n) return undefined;
    return cps ? (cps[Number(i)] as string) : s.charAt(Number(i));
  }
  if (obj instanceof PyObject) return obj.getItem(key);
  return undefined;
}

function checkSafe(obj: PyValue, name: string): void {
  if (name.startsWith('_')) {
    throw new SecurityError(
      `access to attribute ${pyRepr(name)} of ${pyRepr(typeName(obj))} object is unsafe.`,
    );
  }
}

/**
 * Jinja2's `obj.name`: the attribute first, then the item; an `Undefined` when neither exists.
 * Raises for undefined `obj` (StrictUndefined) and for `_`-prefixed attributes (sandbox).
 */
export function getAttr(obj: PyValue, name: string, ctx?: CallContext): PyValue {
  if (obj instanceof Undefined) return obj.fail();
  if (name.startsWith('_')) {
    if (obj instanceof Map) {
      const v = dictGet(obj, name);
      if (v !== undefined) return v;
    }
    checkSafe(obj, name);
  }
  const a = pyGetAttr(obj, name, ctx);
  if (a !== undefined) return a;
  const item = pyGetItem(obj, name);
  if (item !== undefined) return item;
  return Undefined.missingAttr(obj, name);
}

/**
 * Jinja2's `obj[key]`: the item first, then (for str keys) the attribute; an `Undefined` when
 * neither exists. Slices (`PySlice`) slice str, list, tuple and range.
 */
export function getItem(obj: PyValue, key: PyValue, ctx?: CallContext): PyValue {
  if (obj instanceof Undefined) return obj.fail();
  if (key instanceof Undefined) return key.fail();
  const item = pyGetItem(obj, key);
  if (item !== undefined) return item;
  if (typeof key === 'string') {
    if (key.startsWith('_')) checkSafe(obj, key);
    const a = pyGetAttr(obj, key, ctx);
    if (a !== undefined) return a;
    return Undefined.missingAttr(obj, key);
  }
  return Undefined.missingElement(obj, key);
}

// ---------------------------------------------------------------------------------------------
// Slicing

function sliceIndex(v: PyValue): bigint | null {
  if (v === null) return null;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (v instanceof Undefined) return v.fail();
  throw new PyException('TypeError', 'slice indices must be integers or None or have an __index__ method');
}

/** Python's `slice.indices(length)`: the positions a slice selects. */
export function sliceIndices(s: PySlice, length: number): number[] {
  const len = BigInt(length);
  const stepB = sliceIndex(s.step) ?? 1n;
  if (stepB === 0n) throw new PyException('ValueError', 'slice step cannot be zero');
  const startB = sliceIndex(s.start);
  const stopB = sliceIndex(s.stop);
  let start: bigint;
  let stop: bigint;
  const clamp = (v: bigint, lo: bigint, hi: bigint): bigint => (v < lo ? lo : v > hi ? hi : v);
  if (stepB > 0n) {
    start = startB === null ? 0n : startB < 0n ? clamp(startB + len, 0n, len) : clamp(startB, 0n, len);
    stop = stopB === null ? len : stopB < 0n ? clamp(stopB + len, 0n, len) : clamp(stopB, 0n, len);
  } else {
    start =
      startB === null
        ? len - 1n
        : startB < 0n
          ? clamp(startB + len, -1n, len - 1n)
          : clamp(startB, -1n, len - 1n);
    stop =
      stopB === null ? -1n : stopB < 0n ? clamp(stopB + len, -1n, len - 1n) : clamp(stopB, -1n, len - 1n);
  }
  const out: number[] = [];
  const step = Number(stepB);
  const a = Number(start);
  const b = Number(stop);
  if (step > 0) for (let i = a; i < b; i += step) out.push(i);
  else for (let i = a; i > b; i += step) out.push(i);
  return out;
}

/** `obj[start:stop:step]` for str, Markup, list, tuple and range; undefined for other types. */
export function sliceValue(obj: PyValue, s: PySlice): PyValue | undefined {
  if (typeof obj === 'string' || obj instanceof Markup) {
    const str = strValue(obj);
    let out: string;
    if (!hasSurrogates(str) && (s.step === null || s.step === 1n)) {
      const idx = sliceIndices(s, str.length);
      out = idx.length === 0 ? '' : str.slice(idx[0], (idx[idx.length - 1] as number) + 1);
    } else {
      const cps = codePoints(str);
      out = sliceIndices(s, cps.length)
        .map((i) => cps[i])
        .join('');
    }
    return typeof obj === 'string' ? out : new Markup(out);
  }
  if (Array.isArray(obj)) return sliceIndices(s, obj.length).map((i) => obj[i] as PyValue);
  if (obj instanceof PyTuple)
    return new PyTuple(sliceIndices(s, obj.items.length).map((i) => obj.items[i] as PyValue));
  if (obj instanceof PyRange) {
    // Python slices a range into another range; compute via indices on a bounded length.
    const step = sliceIndex(s.step) ?? 1n;
    if (step === 0n) throw new PyException('ValueError', 'slice step cannot be zero');
    const len = obj.length;
    const norm = (v: bigint | null, dflt: bigint, lo: bigint, hi: bigint): bigint => {
      if (v === null) return dflt;
      const x = v < 0n ? v + len : v;
      return x < lo ? lo : x > hi ? hi : x;
    };
    const start =
      step > 0n ? norm(sliceIndex(s.start), 0n, 0n, len) : norm(sliceIndex(s.start), len - 1n, -1n, len - 1n);
    const stop =
      step > 0n ? norm(sliceIndex(s.stop), len, 0n, len) : norm(sliceIndex(s.stop), -1n, -1n, len - 1n);
    return new PyRange(obj.at(start), obj.at(stop), obj.step * step);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Conversion from and to plain JS data

/** Options for `fromJS`. */
export interface FromJSOptions {
  /** Integral JS numbers become Python ints (default true); otherwise every number is a float. */
  integersAsInt?: boolean;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Plain JS data as Python values: objects → dict, arrays → list, integral numbers → int. */
export function fromJS(x: unknown, options: FromJSOptions = {}): PyValue {
  const asInt = options.integersAsInt ?? true;
  const conv = (v: unknown): PyValue => {
    if (v === null || v === undefined) return null;
    switch (typeof v) {
      case 'boolean':
      case 'bigint':
      case 'string':
        return v;
      case 'number':
        return asInt && Number.isInteger(v) && !Object.is(v, -0) ? BigInt(v) : v;
      default:
        break;
    }
    if (Array.isArray(v)) return v.map(conv);
    if (
      v instanceof PyTuple ||
      v instanceof Markup ||
      v instanceof Undefined ||
      v instanceof PyRange ||
      v instanceof PyObject ||
      v instanceof PyFunction
    ) {
      return v;
    }
    if (v instanceof Date) {
      const utc = v;
      const date = `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}`;
      const h = utc.getUTCHours();
      const mi = utc.getUTCMinutes();
      const s = utc.getUTCSeconds();
      const ms = utc.getUTCMilliseconds();
      if (h === 0 && mi === 0 && s === 0 && ms === 0) return date;
      return `${date} ${pad(h)}:${pad(mi)}:${pad(s)}${ms ? `.${pad(ms * 1000, 6)}` : ''}+00:00`;
    }
    if (v instanceof Map) {
      const m: PyDict = new Map();
      for (const [k, val] of v) dictSet(m, conv(k), conv(val));
      return m;
    }
    if (typeof v === 'object') {
      const m: PyDict = new Map();
      for (const [k, val] of Object.entries(v)) m.set(k, conv(val));
      return m;
    }
    return pyStrOfUnknown(v);
  };
  return conv(x);
}

function pyStrOfUnknown(v: unknown): string {
  return typeof v === 'symbol' ? v.toString() : typeof v === 'function' ? '<function>' : '';
}

/** Python values as plain JS data: dict → object (keys via `str()`), tuple → array, int → number when safe. */
export function toJS(v: PyValue): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  if (Array.isArray(v)) return v.map(toJS);
  if (v instanceof PyTuple) return v.items.map(toJS);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[typeof k === 'string' ? k : pyStr(k)] = toJS(x);
    return o;
  }
  if (v instanceof Markup) return v.value;
  if (v instanceof Undefined) return v.fail();
  if (v instanceof PyRange) return Array.from(v, (x) => toJS(x));
  return pyStr(v);
}

// ---------------------------------------------------------------------------------------------
// Sorting as CPython's list.sort compares (so errors on unorderable items name the same pair)

function minRun(n: number): number {
  let r = 0;
  while (n >= 64) {
    r |= n & 1;
    n >>= 1;
  }
  return n + r;
}

/**
 * Python's `sorted(items, key=key, reverse=reverse)`: stable, `<` only, and with CPython's
 * comparison order (count_run + binary insertion sort; runs of 64+ items merge stably), so a
 * TypeError for unorderable keys names the pair Python names.
 */
export function pySorted<T>(items: readonly T[], key: (item: T) => PyValue, reverse = false): T[] {
  const arr = items.map((v) => ({ v, k: key(v) }));
  const lt = (a: { k: PyValue }, b: { k: PyValue }): boolean => pyOrder('<', a.k, b.k);
  if (reverse) arr.reverse();
  const n = arr.length;
  const minrun = minRun(n);
  const runs: [number, number][] = [];
  let lo = 0;
  while (lo < n) {
    let len = 1;
    if (lo + 1 < n) {
      len = 2;
      if (lt(arr[lo + 1] as { k: PyValue }, arr[lo] as { k: PyValue })) {
        while (lo + len < n && lt(arr[lo + len] as { k: PyValue }, arr[lo + len - 1] as { k: PyValue }))
          len++;
        const run = arr.slice(lo, lo + len).reverse();
        arr.splice(lo, len, ...run);
      } else {
        while (lo + len < n && !lt(arr[lo + len] as { k: PyValue }, arr[lo + len - 1] as { k: PyValue }))
          len++;
      }
    }
    if (len < minrun) {
      const force = Math.min(minrun, n - lo);
      for (let start = lo + len; start < lo + force; start++) {
        const pivot = arr[start] as { v: T; k: PyValue };
        let l = lo;
        let r = start;
        while (l < r) {
          const p = l + ((r - l) >> 1);
          if (lt(pivot, arr[p] as { k: PyValue })) r = p;
          else l = p + 1;
        }
        for (let p = start; p > l; p--) arr[p] = arr[p - 1] as { v: T; k: PyValue };
        arr[l] = pivot;
      }
      len = force;
    }
    runs.push([lo, len]);
    lo += len;
  }
  let merged = runs.map(([s, l]) => arr.slice(s, s + l));
  while (merged.length > 1) {
    const next: (typeof arr)[] = [];
    for (let i = 0; i < merged.length; i += 2) {
      const a = merged[i] as typeof arr;
      const b = merged[i + 1];
      if (b === undefined) {
        next.push(a);
        continue;
      }
      const out: typeof arr = [];
      let x = 0;
      let y = 0;
      while (x < a.length && y < b.length) {
        if (lt(b[y] as { k: PyValue }, a[x] as { k: PyValue })) out.push(b[y++] as { v: T; k: PyValue });
        else out.push(a[x++] as { v: T; k: PyValue });
      }
      while (x < a.length) out.push(a[x++] as { v: T; k: PyValue });
      while (y < b.length) out.push(b[y++] as { v: T; k: PyValue });
      next.push(out);
    }
    merged = next;
  }
  const result = (merged[0] ?? []).map((e) => e.v);
  if (reverse) result.reverse();
  return result;
}
