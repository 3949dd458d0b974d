/**
 * Template operators with Python semantics: int (bigint) and float (number) arithmetic with
 * Python's floor division and modulo signs, sequence concatenation and repetition, `%`
 * formatting, comparisons and `in`, raising Python's TypeError/ZeroDivisionError messages.
 */
import { LimitError, MAX_BUILT_LENGTH, PyException } from './errors.ts';
import { percentFormat } from './format.ts';
import {
  Markup,
  PyObject,
  PyRange,
  PyTuple,
  Undefined,
  dictHas,
  isIntLike,
  isNumber,
  pyEq,
  pyIter,
  pyOrder,
  pyStr,
  strValue,
  typeName,
  truthy,
  type PyValue,
} from './values.ts';

/** A binary operator as written in a template. */
export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '~';
/** A unary operator. */
export type UnaryOp = '-' | '+' | 'not';
/** A comparison operator (`notin` is `not in`). */
export type CompareOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'notin';

/** The largest int result (in bits) `**` and `*` will build before refusing as a budget. */
const MAX_INT_BITS = 1_000_000;

function unsupported(op: string, a: PyValue, b: PyValue): never {
  throw new PyException(
    'TypeError',
    `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`,
  );
}

function asBig(v: bigint | boolean): bigint {
  return typeof v === 'boolean' ? (v ? 1n : 0n) : v;
}

/** int → float as Python converts it (OverflowError when too large). */
export function intToFloat(v: bigint | boolean | number): number {
  if (typeof v === 'number') return v;
  const f = typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
  if (!Number.isFinite(f)) throw new PyException('OverflowError', 'int too large to convert to float');
  return f;
}

/** Python's `a // b` for ints (rounds toward negative infinity). */
export function floorDivBig(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function modBig(a: bigint, b: bigint): bigint {
  const r = a % b;
  return r !== 0n && r < 0n !== b < 0n ? r + b : r;
}

/** Python's float divmod: [floor quotient, modulo]. */
function floatDivmod(vx: number, wx: number): [number, number] {
  // CPython's float_divmod. Its `if (mod)` and `if (div)` are C truth tests, true for a NaN
  // (JS's are false): nan % 2, inf % 2 and inf // 2 are all nan.
  let mod = vx % wx;
  let div = (vx - mod) / wx;
  if (mod !== 0) {
    if (wx < 0 !== mod < 0) {
      mod += wx;
      div -= 1;
    }
  } else {
    mod = wx < 0 ? -0 : 0;
  }
  let floordiv: number;
  if (div !== 0) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else {
    const q = vx / wx;
    floordiv = q < 0 || Object.is(q, -0) ? -0 : 0;
  }
  return [floordiv, mod];
}

const TWO53 = 2n ** 53n;

/** int / int as CPython computes it: the exact quotient, correctly rounded to a float. */
function trueDivide(x: bigint, y: bigint): number {
  const ax = x < 0n ? -x : x;
  const ay = y < 0n ? -y : y;
  if (ax <= TWO53 && ay <= TWO53) return Number(x) / Number(y);
  const negative = x < 0n !== y < 0n;
  const shift = Math.max(0, 55 + ay.toString(2).length - ax.toString(2).length);
  const num = ax << BigInt(shift);
  let q = num / ay;
  if (num % ay !== 0n) q |= 1n; // sticky bit: below the rounding position, so no false ties
  let r = Number(q);
  let s = shift;
  while (s > 0 && r !== 0) {
    const step = Math.min(s, 1000);
    r /= 2 ** step;
    s -= step;
  }
  if (!Number.isFinite(r))
    throw new PyException('OverflowError', 'integer division result too large for a float');
  return negative ? -r : r;
}

function bitLength(n: bigint): number {
  return (n < 0n ? -n : n).toString(16).length * 4;
}

function powInt(a: bigint, b: bigint): PyValue {
  if (b < 0n) {
    if (a === 0n) throw new PyException('ZeroDivisionError', '0.0 cannot be raised to a negative power');
    return powFloat(intToFloat(a), intToFloat(b));
  }
  if (a === 0n || a === 1n) return b === 0n ? 1n : a;
  if (a === -1n) return b % 2n === 0n ? 1n : -1n;
  if (bitLength(a) * Number(b) > MAX_INT_BITS) {
    throw new LimitError(`integer power result too large (more than ${MAX_INT_BITS} bits)`);
  }
  return a ** b;
}

function powFloat(a: number, b: number): number {
  if (a === 0 && b < 0)
    throw new PyException('ZeroDivisionError', '0.0 cannot be raised to a negative power');
  if (a < 0 && Number.isFinite(b) && !Number.isInteger(b) && Number.isFinite(a)) {
    throw new PyException('ValueError', 'negative number cannot be raised to a fractional power');
  }
  if (a === 1 || b === 0) return 1;
  const r = Math.pow(a, b);
  if (!Number.isFinite(r) && Number.isFinite(a) && Number.isFinite(b)) {
    throw new PyException('OverflowError', "(34, 'Numerical result out of range')");
  }
  return r;
}

function numericOp(op: BinaryOp, a: bigint | boolean | number, b: bigint | boolean | number): PyValue {
  if (isIntLike(a) && isIntLike(b)) {
    const x = asBig(a);
    const y = asBig(b);
    switch (op) {
      case '+':
        return x + y;
      case '-':
        return x - y;
      case '*':
        if (bitLength(x) + bitLength(y) > MAX_INT_BITS) {
          throw new LimitError(`integer product too large (more than ${MAX_INT_BITS} bits)`);
        }
        return x * y;
      case '/':
        if (y === 0n) throw new PyException('ZeroDivisionError', 'division by zero');
        return trueDivide(x, y);
      case '//':
        if (y === 0n) throw new PyException('ZeroDivisionError', 'integer division or modulo by zero');
        return floorDivBig(x, y);
      case '%':
        if (y === 0n) throw new PyException('ZeroDivisionError', 'integer modulo by zero');
        return modBig(x, y);
      case '**':
        return powInt(x, y);
      default:
        break;
    }
  }
  const x = intToFloat(a);
  const y = intToFloat(b);
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      if (y === 0) throw new PyException('ZeroDivisionError', 'float division by zero');
      return x / y;
    case '//':
      if (y === 0) throw new PyException('ZeroDivisionError', 'float floor division by zero');
      return floatDivmod(x, y)[0];
    case '%':
      if (y === 0) throw new PyException('ZeroDivisionError', 'float modulo');
      return floatDivmod(x, y)[1];
    case '**':
      return powFloat(x, y);
    default:
      return unsupported(op, a, b);
  }
}

function repeatCount(n: bigint | boolean, unit: number): number {
  const c = asBig(n);
  if (c <= 0n) return 0;
  if (c > 0x7fffffffffffffffn)
    throw new PyException('OverflowError', "cannot fit 'int' into an index-sized integer");
  if (c * BigInt(Math.max(unit, 1)) > BigInt(MAX_BUILT_LENGTH)) {
    throw new LimitError(`sequence repetition too large (more than ${MAX_BUILT_LENGTH} items)`);
  }
  return Number(c);
}

function repeatList(items: PyValue[], n: bigint | boolean): PyValue[] {
  const c = repeatCount(n, items.length);
  const out: PyValue[] = [];
  for (let i = 0; i < c; i++) for (const x of items) out.push(x);
  return out;
}

function sequenceRepeat(seq: PyValue, n: PyValue): PyValue | undefined {
  if (!isIntLike(n)) return undefined;
  if (typeof seq === 'string') return seq.repeat(repeatCount(n, seq.length));
  if (seq instanceof Markup) return new Markup(seq.value.repeat(repeatCount(n, seq.value.length)));
  if (Array.isArray(seq)) return repeatList(seq, n);
  if (seq instanceof PyTuple) return new PyTuple(repeatList(seq.items, n));
  return undefined;
}

function isSequence(v: PyValue): boolean {
  return typeof v === 'string' || v instanceof Markup || Array.isArray(v) || v instanceof PyTuple;
}

/** Markupsafe's `escape` of a plain str. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/>/g, '&gt;')
    .replace(/</g, '&lt;')
    .replace(/'/g, '&#39;')
    .replace(/"/g, '&#34;');
}

function markupOperand(v: PyValue): string {
  if (v instanceof Markup) return v.value;
  return escapeHtml(pyStr(v));
}

/** Python's `a <op> b` for the binary operators. */
export function binop(op: BinaryOp, a: PyValue, b: PyValue): PyValue {
  if (a instanceof Undefined) return a.fail();
  if (b instanceof Undefined) return b.fail();
  if (op === '~') return pyStr(a) + pyStr(b);
  if (isNumber(a) && isNumber(b)) return numericOp(op, a, b);
  // Dates and timedeltas: __sub__ and __add__, then the right operand's reflected method.
  const own = a instanceof PyObject ? a.arith(op, b, false) : undefined;
  if (own !== undefined) return own;
  const reflected = b instanceof PyObject ? b.arith(op, a, true) : undefined;
  if (reflected !== undefined) return reflected;
  switch (op) {
    case '+':
      if (a instanceof Markup && isStrLike(b)) return new Markup(a.value + markupOperand(b));
      if (b instanceof Markup && typeof a === 'string') return new Markup(escapeHtml(a) + b.value);
      if (typeof a === 'string') {
        if (typeof b === 'string') return a + b;
        throw new PyException('TypeError', `can only concatenate str (not "${typeName(b)}") to str`);
      }
      if (Array.isArray(a)) {
        if (Array.isArray(b)) return a.concat(b);
        throw new PyException('TypeError', `can only concatenate list (not "${typeName(b)}") to list`);
      }
      if (a instanceof PyTuple) {
        if (b instanceof PyTuple) return new PyTuple(a.items.concat(b.items));
        throw new PyException('TypeError', `can only concatenate tuple (not "${typeName(b)}") to tuple`);
      }
      return unsupported(op, a, b);
    case '*': {
      if ((a instanceof Markup && !isIntLike(b)) || (b instanceof Markup && !isIntLike(a))) {
        const other = a instanceof Markup ? b : a;
        throw new PyException('TypeError', `'${typeName(other)}' object cannot be interpreted as an integer`);
      }
      if (isSequence(a)) {
        const r = sequenceRepeat(a, b);
        if (r !== undefined) return r;
        throw new PyException('TypeError', `can't multiply sequence by non-int of type '${typeName(b)}'`);
      }
      if (isSequence(b)) {
        const r = sequenceRepeat(b, a);
        if (r !== undefined) return r;
        throw new PyException('TypeError', `can't multiply sequence by non-int of type '${typeName(a)}'`);
      }
      return unsupported(op, a, b);
    }
    case '%':
      if (typeof a === 'string') return percentFormat(a, b);
      if (a instanceof Markup) return new Markup(percentFormat(a.value, b, escapeHtml));
      return unsupported(op, a, b);
    case '**':
      return unsupported('** or pow()', a, b);
    default:
      return unsupported(op, a, b);
  }
}

function isStrLike(v: PyValue): boolean {
  return typeof v === 'string' || v instanceof Markup;
}

/** Python's unary `-x`, `+x` and `not x`. */
export function unop(op: UnaryOp, a: PyValue): PyValue {
  if (a instanceof Undefined) return a.fail();
  if (op === 'not') return !truthy(a);
  if (typeof a === 'boolean') return op === '-' ? (a ? -1n : 0n) : a ? 1n : 0n;
  if (typeof a === 'bigint') return op === '-' ? -a : a;
  if (typeof a === 'number') return op === '-' ? -a : a;
  if (a instanceof PyObject && op === '-') {
    const r = a.negate();
    if (r !== undefined) return r;
  }
  throw new PyException('TypeError', `bad operand type for unary ${op}: '${typeName(a)}'`);
}

/** Python's `item in container`. */
export function contains(container: PyValue, item: PyValue): boolean {
  if (container instanceof Undefined) return container.fail();
  if (typeof container === 'string' || container instanceof Markup) {
    if (typeof item === 'string' || item instanceof Markup)
      return strValue(container).includes(strValue(item));
    throw new PyException(
      'TypeError',
      `'in <string>' requires string as left operand, not ${typeName(item)}`,
    );
  }
  if (container instanceof Map) return dictHas(container, item);
  if (container instanceof PyRange) {
    if (item instanceof Undefined && container.length > 0n) return item.fail();
    if (!isNumber(item)) return false;
    if (typeof item === 'number' && !Number.isInteger(item)) return false;
    const n = typeof item === 'number' ? BigInt(item) : typeof item === 'boolean' ? (item ? 1n : 0n) : item;
    if (
      container.step > 0n
        ? n < container.start || n >= container.stop
        : n > container.start || n <= container.stop
    ) {
      return false;
    }
    return (n - container.start) % container.step === 0n;
  }
  if (Array.isArray(container) || container instanceof PyTuple) {
    const items = Array.isArray(container) ? container : container.items;
    for (const x of items) if (x === item || pyEq(x, item)) return true;
    return false;
  }
  try {
    for (const x of pyIter(container)) if (x === item || pyEq(x, item)) return true;
  } catch (e) {
    if (e instanceof PyException && e.pyType === 'TypeError') {
      throw new PyException('TypeError', `argument of type '${typeName(container)}' is not iterable`);
    }
    throw e;
  }
  return false;
}

/** Python's comparison operators, including `in` and `not in`. */
export function compare(op: CompareOperator, a: PyValue, b: PyValue): boolean {
  switch (op) {
    case '==':
      return pyEq(a, b);
    case '!=':
      return !pyEq(a, b);
    case 'in':
      return contains(b, a);
    case 'notin':
      return !contains(b, a);
    default:
      return pyOrder(op, a, b);
  }
}
