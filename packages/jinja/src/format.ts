/**
 * Python's string formatting: printf-style `str % args` and `str.format` with the full
 * format-spec mini-language, including exact decimal rounding (round-half-even on the binary
 * value, as CPython's dtoa does) so `'%.2f' % 0.125` is `0.12` here too.
 */
import { LimitError, MAX_BUILT_LENGTH, PyException, VALUE_TOO_LARGE } from './errors.ts';
import {
  Markup,
  PyObject,
  PyRange,
  PyTuple,
  Undefined,
  codePoints,
  floatRepr,
  intStr,
  isIntLike,
  pyGetAttr,
  pyGetItem,
  pyRepr,
  pyStr,
  strLen,
  typeName,
  type PyValue,
} from './values.ts';

// ---------------------------------------------------------------------------------------------
// Exact float → decimal

interface Decimal {
  /** |x| = digits / 10^scale */
  digits: bigint;
  scale: number;
}

const view = new DataView(new ArrayBuffer(8));

function exactDecimal(x: number): Decimal {
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (expBits === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = expBits - 1075;
  }
  if (e >= 0) return { digits: mant << BigInt(e), scale: 0 };
  return { digits: mant * 5n ** BigInt(-e), scale: -e };
}

function roundHalfEven(n: bigint, div: bigint): bigint {
  const q = n / div;
  const twice = (n % div) * 2n;
  if (twice > div || (twice === div && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/** |x| with `prec` decimals, rounded half-even on the exact binary value. */
function fixedDigits(x: number, prec: number): string {
  const { digits, scale } = exactDecimal(x);
  const n =
    scale <= prec ? digits * 10n ** BigInt(prec - scale) : roundHalfEven(digits, 10n ** BigInt(scale - prec));
  const s = n.toString();
  if (prec === 0) return s;
  const p = s.padStart(prec + 1, '0');
  return `${p.slice(0, -prec)}.${p.slice(-prec)}`;
}

/** |x| rounded to `prec + 1` significant digits: the digits and the decimal exponent. */
function expDigits(x: number, prec: number): [string, number] {
  if (x === 0) return ['0'.repeat(prec + 1), 0];
  const { digits, scale } = exactDecimal(x);
  const len = digits.toString().length;
  let e10 = len - 1 - scale;
  const drop = len - (prec + 1);
  const n = drop > 0 ? roundHalfEven(digits, 10n ** BigInt(drop)) : digits * 10n ** BigInt(-drop);
  let s = n.toString();
  if (s.length > prec + 1) {
    s = s.slice(0, prec + 1);
    e10 += 1;
  }
  return [s, e10];
}

function expString(digits: string, e10: number, alt: boolean, upper: boolean): string {
  const mant = digits.length > 1 || alt ? `${digits[0]}.${digits.slice(1)}` : digits;
  const ae = Math.abs(e10);
  return `${mant}${upper ? 'E' : 'e'}${e10 < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * |x| formatted with a float presentation type (`e f g % r`, `''` = repr-like with precision),
 * without the sign. Infinity and NaN give `inf`/`nan`.
 */
function floatBody(x: number, type: string, prec: number | undefined, alt: boolean): string {
  if (prec !== undefined && prec > MAX_BUILT_LENGTH) {
    // Python builds every digit; the digits' BigInt arithmetic here would run for seconds before
    // failing. `g` without `#` strips trailing zeros, and a double's exact decimal expansion has
    // fewer than 1,100 significant digits, so clamping gives Python's output; the other types
    // would print over MAX_BUILT_LENGTH characters, which the output budget refuses anyway.
    if ((type === 'g' || type === 'G' || type === '') && !alt) prec = MAX_BUILT_LENGTH;
    else throw new LimitError(VALUE_TOO_LARGE);
  }
  const upper = type === 'E' || type === 'F' || type === 'G';
  const a = Math.abs(x);
  if (!Number.isFinite(a)) {
    const s = Number.isNaN(a) ? 'nan' : 'inf';
    return (upper ? s.toUpperCase() : s) + (type === '%' ? '%' : '');
  }
  switch (type) {
    case 'f':
    case 'F': {
      const s = fixedDigits(a, prec ?? 6);
      return alt && !s.includes('.') ? `${s}.` : s;
    }
    case 'e':
    case 'E': {
      const [d, e] = expDigits(a, prec ?? 6);
      return expString(d, e, alt, upper);
    }
    case '%': {
      const s = fixedDigits(a * 100, prec ?? 6);
      return `${alt && !s.includes('.') ? `${s}.` : s}%`;
    }
    case 'g':
    case 'G':
    case '': {
      if (type === '' && prec === undefined) {
        const r = floatRepr(a);
        if (!alt || r.includes('.')) return r;
        const e = r.indexOf('e');
        return e < 0 ? `${r}.` : `${r.slice(0, e)}.${r.slice(e)}`;
      }
      let p = prec ?? 6;
      if (p === 0) p = 1;
      const addDot0 = type === '';
      const [d, e] = expDigits(a, p - 1);
      const limit = addDot0 ? p - 1 : p;
      if (e >= -4 && e < limit) {
        let s = fixedDigits(a, Math.max(p - 1 - e, 0));
        if (!alt) s = stripZeros(s);
        if (addDot0 && !s.includes('.')) s += '.0';
        if (alt && !s.includes('.')) s += '.';
        return s;
      }
      let mant = d;
      if (!alt) mant = mant.replace(/0+$/, '') || '0';
      return expString(mant, e, alt, upper);
    }
    default:
      return floatRepr(a);
  }
}

/** True for -0.0 and negative numbers (Python prints a sign for -0.0). */
function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

// ---------------------------------------------------------------------------------------------
// Format-spec mini-language

interface Spec {
  fill: string;
  fillSpecified: boolean;
  align: string;
  sign: string;
  z: boolean;
  alt: boolean;
  zero: boolean;
  width: number | undefined;
  grouping: string;
  precision: number | undefined;
  type: string;
}

function invalidSpec(): never {
  throw new PyException('ValueError', 'Invalid format specifier');
}

function parseSpec(spec: string, defaultType = ''): Spec {
  const cps = codePoints(spec);
  let i = 0;
  const out: Spec = {
    fill: ' ',
    fillSpecified: false,
    align: '',
    sign: '',
    z: false,
    alt: false,
    zero: false,
    width: undefined,
    grouping: '',
    precision: undefined,
    type: '',
  };
  const isAlign = (c: string | undefined): boolean => c === '<' || c === '>' || c === '^' || c === '=';
  if (cps.length >= 2 && isAlign(cps[1])) {
    out.fill = cps[0] as string;
    out.fillSpecified = true;
    out.align = cps[1] as string;
    i = 2;
  } else if (isAlign(cps[0])) {
    out.align = cps[0] as string;
    i = 1;
  }
  if (cps[i] === '+' || cps[i] === '-' || cps[i] === ' ') out.sign = cps[i++] as string;
  if (cps[i] === 'z') {
    out.z = true;
    i++;
  }
  if (cps[i] === '#') {
    out.alt = true;
    i++;
  }
  if (cps[i] === '0') {
    out.zero = true;
    i++;
  }
  let w = '';
  while (i < cps.length && /[0-9]/.test(cps[i] as string)) w += cps[i++];
  if (w) out.width = Number(w);
  if (cps[i] === ',' || cps[i] === '_') out.grouping = cps[i++] as string;
  if (cps[i] === '.') {
    i++;
    let p = '';
    while (i < cps.length && /[0-9]/.test(cps[i] as string)) p += cps[i++];
    if (!p) throw new PyException('ValueError', 'Format specifier missing precision');
    out.precision = Number(p);
  }
  if (i < cps.length) {
    out.type = cps[i++] as string;
  }
  if (i < cps.length) invalidSpec();
  if (out.grouping) {
    const t = out.type || defaultType;
    const allowed = 'defgEGF%'.includes(t) || t === '' || (out.grouping === '_' && 'boxX'.includes(t));
    if (!allowed) throw new PyException('ValueError', `Cannot specify '${out.grouping}' with '${t}'.`);
  }
  return out;
}

function group(digits: string, sep: string, every: number): string {
  if (!sep) return digits;
  let out = '';
  let n = 0;
  for (let i = digits.length - 1; i >= 0; i--) {
    if (n > 0 && n % every === 0) out = sep + out;
    out = digits[i] + out;
    n++;
  }
  return out;
}

/** Pads `body` (already signed/prefixed parts) to the spec's width with its fill and alignment. */
function align(prefix: string, body: string, spec: Spec, defaultAlign: string): string {
  const width = spec.width ?? 0;
  const alignment = spec.align || defaultAlign;
  const len = strLen(prefix) + strLen(body);
  if (len >= width) return prefix + body;
  const pad = width - len;
  const fill = spec.fill;
  switch (alignment) {
    case '<':
      return prefix + body + fill.repeat(pad);
    case '^': {
      const left = Math.floor(pad / 2);
      return fill.repeat(left) + prefix + body + fill.repeat(pad - left);
    }
    case '=':
      return prefix + fill.repeat(pad) + body;
    default:
      return fill.repeat(pad) + prefix + body;
  }
}

/** Groups the integer part of a number body, padding with grouped zeros for `0`-fill. */
function groupNumber(intPart: string, rest: string, spec: Spec, every: number, prefixLen: number): string {
  if (!spec.grouping) return intPart + rest;
  if (spec.fill === '0' && spec.align === '=' && spec.width !== undefined) {
    const target = spec.width - prefixLen - strLen(rest);
    let digits = intPart;
    let grouped = group(digits, spec.grouping, every);
    while (grouped.length < target) {
      digits = '0' + digits;
      grouped = group(digits, spec.grouping, every);
    }
    return grouped + rest;
  }
  return group(intPart, spec.grouping, every) + rest;
}

function signOf(negative: boolean, spec: Spec): string {
  if (negative) return '-';
  if (spec.sign === '+') return '+';
  if (spec.sign === ' ') return ' ';
  return '';
}

function formatInt(v: bigint, spec: Spec, type = 'int'): string {
  if (!['', 'b', 'c', 'd', 'o', 'x', 'X', 'n', 'e', 'E', 'f', 'F', 'g', 'G', '%'].includes(spec.type)) {
    throw new PyException('ValueError', `Unknown format code '${spec.type}' for object of type '${type}'`);
  }
  const t = spec.type;
  if ('eEfFgG%'.includes(t) && t !== '') {
    const f = Number(v);
    if (!Number.isFinite(f)) throw new PyException('OverflowError', 'int too large to convert to float');
    return formatFloat(f, spec);
  }
  if (spec.precision !== undefined) {
    throw new PyException('ValueError', 'Precision not allowed in integer format specifier');
  }
  if (spec.z) {
    throw new PyException('ValueError', 'Negative zero coercion (z) not allowed in integer format specifier');
  }
  if (t === 'c') {
    if (spec.sign) throw new PyException('ValueError', "Sign not allowed with integer format specifier 'c'");
    if (spec.alt) {
      throw new PyException('ValueError', "Alternate form (#) not allowed with integer format specifier 'c'");
    }
    if (v > 0x7fffffffffffffffn || v < -0x8000000000000000n) {
      throw new PyException('OverflowError', 'Python int too large to convert to C long');
    }
    if (v < 0n || v > 0x10ffffn) throw new PyException('OverflowError', '%c arg not in range(0x110000)');
    return align('', String.fromCodePoint(Number(v)), spec, '>');
  }
  const neg = v < 0n;
  const a = neg ? -v : v;
  let digits: string;
  let prefix = '';
  let every = 3;
  switch (t) {
    case '':
    case 'd':
    case 'n':
      digits = intStr(a);
      break;
    case 'b':
      digits = a.toString(2);
      prefix = spec.alt ? '0b' : '';
      every = 4;
      break;
    case 'o':
      digits = a.toString(8);
      prefix = spec.alt ? '0o' : '';
      every = 4;
      break;
    case 'x':
      digits = a.toString(16);
      prefix = spec.alt ? '0x' : '';
      every = 4;
      break;
    case 'X':
      digits = a.toString(16).toUpperCase();
      prefix = spec.alt ? '0X' : '';
      every = 4;
      break;
    default:
      throw new PyException('ValueError', `Unknown format code '${t}' for object of type 'int'`);
  }
  if (spec.grouping === ',' && every === 4) {
    throw new PyException('ValueError', `Cannot specify ',' with '${t}'.`);
  }
  const head = signOf(neg, spec) + prefix;
  return align(head, groupNumber(digits, '', spec, every, head.length), spec, '>');
}

function formatFloat(x: number, spec: Spec): string {
  const t = spec.type;
  if (!'eEfFgG%'.includes(t) || (t !== '' && t.length !== 1)) {
    if (t !== '' && t !== 'n') {
      throw new PyException('ValueError', `Unknown format code '${t}' for object of type 'float'`);
    }
  }
  let type = t === 'n' ? 'g' : t;
  if (type === '' && spec.precision === undefined) type = '';
  const body = floatBody(x, type, spec.precision, spec.alt);
  let neg = isNegative(x) && !Number.isNaN(x);
  if (neg && spec.z && /^[0.%eE+-]*$/.test(body.replace(/e[+-]\d+$/i, ''))) neg = false;

  const head = signOf(neg, spec);
  const m = /^(\d*)(.*)$/s.exec(body);
  const intPart = m?.[1] ?? '';
  const rest = m?.[2] ?? '';
  return align(head, groupNumber(intPart, rest, spec, 3, head.length), spec, '>');
}

function formatStr(s: string, spec: Spec): string {
  if (spec.type !== '' && spec.type !== 's') {
    throw new PyException('ValueError', `Unknown format code '${spec.type}' for object of type 'str'`);
  }
  if (spec.sign) {
    throw new PyException(
      'ValueError',
      `${spec.sign === ' ' ? 'Space' : 'Sign'} not allowed in string format specifier`,
    );
  }
  if (spec.z) {
    throw new PyException('ValueError', 'Negative zero coercion (z) not allowed in string format specifier');
  }
  if (spec.alt)
    throw new PyException('ValueError', 'Alternate form (#) not allowed in string format specifier');
  if (spec.align === '=')
    throw new PyException('ValueError', "'=' alignment not allowed in string format specifier");
  if (spec.grouping) throw new PyException('ValueError', `Cannot specify '${spec.grouping}' with 's'.`);
  let body = s;
  if (spec.precision !== undefined) body = codePoints(s).slice(0, spec.precision).join('');
  return align('', body, spec, '<');
}

/** Python's `format(value, spec)` (what `{:spec}` in `str.format` does). */
export function formatValue(v: PyValue, specText: string): string {
  if (v instanceof Undefined) return v.fail();
  if (specText === '') return pyStr(v);
  if (v instanceof PyObject) {
    // date.__format__ and datetime.__format__ are strftime: "{:%Y-%m}".format(d).
    const text = v.format(specText);
    if (text !== undefined) return text;
  }
  if (!(
    typeof v === 'boolean' ||
    typeof v === 'bigint' ||
    typeof v === 'number' ||
    typeof v === 'string' ||
    v instanceof Markup
  )) {
    throw new PyException('TypeError', `unsupported format string passed to ${typeName(v)}.__format__`);
  }
  const spec = parseSpec(
    specText,
    typeof v === 'string' || v instanceof Markup ? 's' : typeof v === 'number' ? '' : 'd',
  );
  if (spec.zero && !spec.fillSpecified) {
    // CPython: a 0 flag sets the fill to 0 unless a fill was given, and the alignment to '='
    // (numbers only) unless one was given.
    spec.fill = '0';
    if (!spec.align && !(typeof v === 'string' || v instanceof Markup)) spec.align = '=';
  }
  if (typeof v === 'boolean') return formatInt(v ? 1n : 0n, spec, 'bool');
  if (typeof v === 'bigint') return formatInt(v, spec);
  if (typeof v === 'number') return formatFloat(v, spec);
  if (typeof v === 'string') return formatStr(v, spec);
  if (v instanceof Markup) return formatStr(v.value, spec);
  throw new PyException('TypeError', `unsupported format string passed to ${typeName(v)}.__format__`);
}

// ---------------------------------------------------------------------------------------------
// str.format

function asciiRepr(v: PyValue): string {
  return pyRepr(v).replace(/[\u{80}-\u{10FFFF}]/gu, (ch) => {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x100) return '\\x' + cp.toString(16).padStart(2, '0');
    if (cp < 0x10000) return '\\u' + cp.toString(16).padStart(4, '0');
    return '\\U' + cp.toString(16).padStart(8, '0');
  });
}

function convert(v: PyValue, conv: string | undefined): PyValue {
  if (conv === undefined) return v;
  if (conv === 'r') return pyRepr(v);
  if (conv === 's') return pyStr(v);
  if (conv === 'a') return asciiRepr(v);
  throw new PyException('ValueError', `Unknown conversion specifier ${conv}`);
}

interface FieldState {
  auto: number;
  mode: 'none' | 'auto' | 'manual';
  /**
   * `Markup.format`'s EscapeFormatter: each field is formatted, then escaped; a Markup field
   * is kept as it is and takes no spec.
   */
  escape?: ((s: string) => string) | undefined;
}

function resolveField(
  field: string,
  args: PyValue[],
  kwargs: Map<string, PyValue>,
  state: FieldState,
): PyValue {
  const m = /^([^.[]*)(.*)$/s.exec(field);
  const first = m?.[1] ?? '';
  let rest = m?.[2] ?? '';
  let value: PyValue;
  if (first === '' || /^\d+$/.test(first)) {
    let index: number;
    if (first === '') {
      if (state.mode === 'manual') {
        throw new PyException(
          'ValueError',
          'cannot switch from manual field specification to automatic field numbering',
        );
      }
      state.mode = 'auto';
      index = state.auto++;
    } else {
      if (state.mode === 'auto') {
        throw new PyException(
          'ValueError',
          'cannot switch from automatic field numbering to manual field specification',
        );
      }
      state.mode = 'manual';
      index = Number(first);
    }
    if (index >= args.length) {
      throw new PyException(
        'IndexError',
        `Replacement index ${index} out of range for positional args tuple`,
      );
    }
    value = args[index] as PyValue;
  } else {
    const kw = kwargs.get(first);
    if (kw === undefined) throw new PyException('KeyError', pyRepr(first));
    value = kw;
  }
  while (rest) {
    if (rest.startsWith('.')) {
      const mm = /^\.([^.[]*)(.*)$/s.exec(rest);
      const name = mm?.[1] ?? '';
      rest = mm?.[2] ?? '';
      if (!name) throw new PyException('ValueError', 'Empty attribute in format string');
      if (value instanceof Undefined) value.fail();
      const a = name.startsWith('_') ? undefined : pyGetAttr(value, name);
      if (a === undefined) {
        throw new PyException(
          'AttributeError',
          `'${typeName(value)}' object has no attribute ${pyRepr(name)}`,
        );
      }
      value = a;
    } else if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close < 0) throw new PyException('ValueError', "Missing ']' in format string");
      const keyText = rest.slice(1, close);
      rest = rest.slice(close + 1);
      if (rest && !rest.startsWith('.') && !rest.startsWith('[')) {
        throw new PyException('ValueError', "Only '.' or '[' may follow ']' in format field specifier");
      }
      const key: PyValue = /^\d+$/.test(keyText) ? BigInt(keyText) : keyText;
      if (value instanceof Undefined) value.fail();
      const item = pyGetItem(value, key);
      if (item === undefined) {
        if (value instanceof Map) throw new PyException('KeyError', pyRepr(key));
        if (Array.isArray(value) || value instanceof PyTuple) {
          if (typeof key === 'bigint') {
            throw new PyException('IndexError', `${typeName(value)} index out of range`);
          }
          throw new PyException(
            'TypeError',
            `${typeName(value)} indices must be integers or slices, not str`,
          );
        }
        if (typeof value === 'string') {
          if (typeof key === 'bigint') throw new PyException('IndexError', 'string index out of range');
          throw new PyException('TypeError', "string indices must be integers, not 'str'");
        }
        throw new PyException('TypeError', `'${typeName(value)}' object is not subscriptable`);
      }
      value = item;
    } else {
      throw new PyException('ValueError', "Only '.' or '[' may follow ']' in format field specifier");
    }
  }
  return value;
}

/** Python's `template.format(*args, **kwargs)`. */
export function strFormat(
  template: string,
  args: PyValue[],
  kwargs: Map<string, PyValue>,
  escape?: (s: string) => string,
): string {
  return formatWith(template, args, kwargs, { auto: 0, mode: 'none', escape }, 2);
}

function formatWith(
  template: string,
  args: PyValue[],
  kwargs: Map<string, PyValue>,
  state: FieldState,
  depth: number,
): string {
  if (depth < 0) throw new PyException('ValueError', 'Max string recursion exceeded');
  let out = '';
  let i = 0;
  const n = template.length;
  while (i < n) {
    const ch = template[i] as string;
    if (ch === '{') {
      if (template[i + 1] === '{') {
        out += '{';
        i += 2;
        continue;
      }
      // Find the matching close brace, allowing nested {} in the spec.
      let j = i + 1;
      let nest = 1;
      let inBracket = false;
      while (j < n) {
        const c = template[j];
        if (c === '[' && nest === 1) inBracket = true;
        else if (c === ']') inBracket = false;
        else if (!inBracket && c === '{') nest++;
        else if (!inBracket && c === '}') {
          nest--;
          if (nest === 0) break;
        }
        j++;
      }
      if (j >= n) {
        throw new PyException(
          'ValueError',
          nest > 1 || template.slice(i + 1).includes(':')
            ? "expected '}' before end of string"
            : "Single '{' encountered in format string",
        );
      }
      const inner = template.slice(i + 1, j);
      i = j + 1;
      // Split field name, conversion and spec.
      let k = 0;
      let bracket = false;
      while (k < inner.length) {
        const c = inner[k];
        if (c === '[') bracket = true;
        else if (c === ']') bracket = false;
        else if (!bracket && (c === '!' || c === ':')) break;
        k++;
      }
      const fieldName = inner.slice(0, k);
      let conv: string | undefined;
      let spec = '';
      if (inner[k] === '!') {
        conv = inner[k + 1];
        if (conv === undefined || (inner[k + 2] !== undefined && inner[k + 2] !== ':')) {
          throw new PyException('ValueError', "expected ':' after conversion specifier");
        }
        if (inner[k + 2] === ':') spec = inner.slice(k + 3);
      } else if (inner[k] === ':') spec = inner.slice(k + 1);
      let value = resolveField(fieldName, args, kwargs, state);
      value = convert(value, conv);
      if (spec.includes('{')) spec = formatWith(spec, args, kwargs, state, depth - 1);
      if (!state.escape) out += formatValue(value, spec);
      else if (value instanceof Markup) {
        if (spec !== '') throw new PyException('ValueError', 'Unsupported format specification for Markup.');
        out += value.value;
      } else out += state.escape(formatValue(value, spec));
    } else if (ch === '}') {
      if (template[i + 1] === '}') {
        out += '}';
        i += 2;
        continue;
      }
      throw new PyException('ValueError', "Single '}' encountered in format string");
    } else {
      const next = template.slice(i).search(/[{}]/);
      const end = next < 0 ? n : i + next;
      out += template.slice(i, end);
      i = end;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// printf-style `%`

function toIntForPercent(v: PyValue, conv: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number') {
    if ('xXoc'.includes(conv)) {
      throw new PyException('TypeError', `%${conv} format: an integer is required, not float`);
    }
    if (Number.isNaN(v)) throw new PyException('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(v))
      throw new PyException('OverflowError', 'cannot convert float infinity to integer');
    return BigInt(Math.trunc(v));
  }
  if (v instanceof Undefined) return v.fail();
  if ('xXoc'.includes(conv)) {
    throw new PyException('TypeError', `%${conv} format: an integer is required, not ${typeName(v)}`);
  }
  throw new PyException('TypeError', `%${conv} format: a real number is required, not ${typeName(v)}`);
}

function toFloatForPercent(v: PyValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') {
    const f = Number(v);
    if (!Number.isFinite(f)) throw new PyException('OverflowError', 'int too large to convert to float');
    return f;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Undefined) return v.fail();
  throw new PyException('TypeError', `must be real number, not ${typeName(v)}`);
}

/**
 * Python's `fmt % values` for str (printf-style formatting). With `escape`, `Markup.__mod__`: every argument goes through markupsafe's
 * `_MarkupEscapeHelper`, so `%s` is `escape(str(x))` (a Markup as it is), `%r` and `%a` the
 * escaped repr, and the numeric conversions the number itself.
 */
export function percentFormat(fmt: string, values: PyValue, escape?: (s: string) => string): string {
  if (values instanceof Undefined) values.fail();
  const isTuple = values instanceof PyTuple;
  // CPython's formatter state: a tuple is consumed item by item; any other value is the single
  // argument (arglen -1, argidx -2), and a %(key) spec replaces it with the mapping's value.
  let current: PyValue = values;
  let arglen = isTuple ? values.items.length : -1;
  let argidx = isTuple ? 0 : -2;
  // Python uses the right operand as a mapping for %(name)s when it is a mapping (lists count).
  const mapping =
    !isTuple && (values instanceof Map || Array.isArray(values) || values instanceof PyRange)
      ? values
      : undefined;
  const nextArg = (): PyValue => {
    if (argidx < arglen) {
      const idx = argidx++;
      return arglen < 0 ? current : ((current as PyTuple).items[idx] as PyValue);
    }
    throw new PyException('TypeError', 'not enough arguments for format string');
  };
  let out = '';
  const cps = codePoints(fmt);
  let i = 0;
  while (i < cps.length) {
    const c = cps[i] as string;
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    const start = i;
    i++;
    if (i >= cps.length) throw new PyException('ValueError', 'incomplete format');
    let key: string | undefined;
    if (cps[i] === '(') {
      let depth = 1;
      let j = i + 1;
      while (j < cps.length && depth > 0) {
        if (cps[j] === '(') depth++;
        else if (cps[j] === ')') depth--;
        j++;
      }
      if (depth > 0) throw new PyException('ValueError', 'incomplete format key');
      key = cps.slice(i + 1, j - 1).join('');
      i = j;
      if (mapping === undefined) throw new PyException('TypeError', 'format requires a mapping');
      let v: PyValue | undefined;
      if (mapping instanceof Map) v = pyGetItem(mapping, key);
      if (v === undefined) {
        if (mapping instanceof Map) throw new PyException('KeyError', pyRepr(key));
        throw new PyException(
          'TypeError',
          `${typeName(mapping)} indices must be integers or slices, not str`,
        );
      }
      current = v;
      arglen = -1;
      argidx = -2;
    }
    let flags = '';
    while (i < cps.length && '-+ #0'.includes(cps[i] as string)) flags += cps[i++];
    let width: number | undefined;
    if (cps[i] === '*') {
      const wv = nextArg();
      if (!isIntLike(wv)) throw new PyException('TypeError', '* wants int');
      const w = typeof wv === 'boolean' ? (wv ? 1n : 0n) : wv;
      if (w > 0x7fffffffffffffffn || w < -0x8000000000000000n) {
        throw new PyException('OverflowError', 'Python int too large to convert to C ssize_t');
      }
      width = Number(w);
      if (width < 0) {
        flags += '-';
        width = -width;
      }
      i++;
    } else {
      let w = '';
      while (i < cps.length && /[0-9]/.test(cps[i] as string)) w += cps[i++];
      if (w) width = Number(w);
    }
    let prec: number | undefined;
    if (cps[i] === '.') {
      i++;
      if (cps[i] === '*') {
        const pv = nextArg();
        if (!isIntLike(pv)) throw new PyException('TypeError', '* wants int');
        const p = typeof pv === 'boolean' ? (pv ? 1n : 0n) : pv;
        if (p > 0x7fffffffn || p < -0x80000000n) {
          throw new PyException('OverflowError', 'Python int too large to convert to C int');
        }
        prec = Math.max(0, Number(p));
        i++;
      } else {
        let p = '';
        while (i < cps.length && /[0-9]/.test(cps[i] as string)) p += cps[i++];
        prec = p ? Number(p) : 0;
      }
    }
    while (i < cps.length && 'hlL'.includes(cps[i] as string)) i++;
    if (i >= cps.length) throw new PyException('ValueError', 'incomplete format');
    const conv = cps[i] as string;
    i++;
    if (conv === '%') {
      if (i - start > 2) {
        nextArg();
        throw new PyException('ValueError', `unsupported format character '%' (0x25) at index ${i - 1}`);
      }
      out += '%';
      continue;
    }
    const arg = nextArg();
    const left = flags.includes('-');
    const zero = flags.includes('0') && !left;
    const plus = flags.includes('+');
    const space = flags.includes(' ');
    const alt = flags.includes('#');
    let body: string;
    let sign = '';
    let numeric = false;
    switch (conv) {
      case 's':
      case 'r':
      case 'a': {
        body = conv === 's' ? pyStr(arg) : conv === 'r' ? pyRepr(arg) : asciiRepr(arg);
        if (escape && !(conv === 's' && arg instanceof Markup)) body = escape(body);
        if (prec !== undefined) body = codePoints(body).slice(0, prec).join('');
        break;
      }
      case 'd':
      case 'i':
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        numeric = true;
        const n = toIntForPercent(arg, conv);
        const neg = n < 0n;
        const a = neg ? -n : n;
        let digits =
          conv === 'x'
            ? a.toString(16)
            : conv === 'X'
              ? a.toString(16).toUpperCase()
              : conv === 'o'
                ? a.toString(8)
                : intStr(a);
        if (prec !== undefined && digits.length < prec) digits = digits.padStart(prec, '0');
        const prefix = alt ? (conv === 'x' ? '0x' : conv === 'X' ? '0X' : conv === 'o' ? '0o' : '') : '';
        sign = (neg ? '-' : plus ? '+' : space ? ' ' : '') + prefix;
        body = digits;
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G': {
        numeric = true;
        const x = toFloatForPercent(arg);
        body = floatBody(x, conv, prec ?? 6, alt);
        const neg = isNegative(x) && !Number.isNaN(x);
        sign = neg ? '-' : plus ? '+' : space ? ' ' : '';
        break;
      }
      case 'c': {
        if (typeof arg === 'string' || arg instanceof Markup) {
          const s = typeof arg === 'string' ? arg : arg.value;
          if (strLen(s) !== 1) throw new PyException('TypeError', '%c requires int or char');
          body = s;
        } else if (typeof arg === 'bigint' || typeof arg === 'boolean') {
          const n = toIntForPercent(arg, 'c');
          if (n < 0n || n > 0x10ffffn)
            throw new PyException('OverflowError', '%c arg not in range(0x110000)');
          body = String.fromCodePoint(Number(n));
        } else {
          if (arg instanceof Undefined) arg.fail();
          throw new PyException('TypeError', '%c requires int or char');
        }
        break;
      }
      default: {
        const cp = conv.codePointAt(0) ?? 0;
        throw new PyException(
          'ValueError',
          `unsupported format character '${conv}' (0x${cp.toString(16)}) at index ${start + (i - start) - 1}`,
        );
      }
    }
    const len = strLen(sign) + strLen(body);
    const w = width ?? 0;
    if (len < w) {
      const pad = w - len;
      if (left) body = sign + body + ' '.repeat(pad);
      else if (zero && numeric) body = sign + '0'.repeat(pad) + body;
      else body = ' '.repeat(pad) + sign + body;
    } else body = sign + body;
    out += body;
  }
  if (argidx < arglen && mapping === undefined) {
    throw new PyException('TypeError', 'not all arguments converted during string formatting');
  }
  return out;
}

/** Python's `round(x, ndigits)` for a float: half-even on the exact binary value. */
export function roundFloat(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (ndigits > 323) return x;
  const neg = x < 0;
  if (ndigits < -308) return neg ? -0 : 0;
  const { digits, scale } = exactDecimal(x);
  let r: number;
  if (ndigits >= 0) {
    const n =
      scale <= ndigits
        ? digits * 10n ** BigInt(ndigits - scale)
        : roundHalfEven(digits, 10n ** BigInt(scale - ndigits));
    r = Number(`${n}e-${ndigits}`);
  } else {
    r = Number(roundHalfEven(digits, 10n ** BigInt(scale - ndigits)) * 10n ** BigInt(-ndigits));
  }
  return neg ? -r : r;
}
