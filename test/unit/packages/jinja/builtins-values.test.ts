// The value model's API (str/repr, dict keys, lookups, conversions). Expected strings are what
// Python 3 / Jinja2 3.1.6 print for the same values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Environment,
  LimitError,
  SecurityError,
  UndefinedError,
} from '../../../../packages/jinja/src/index.ts';
import type { PyException } from '../../../../packages/jinja/src/index.ts';
import { binop } from '../../../../packages/jinja/src/ops.ts';
import { formatValue, percentFormat, roundFloat, strFormat } from '../../../../packages/jinja/src/format.ts';
import {
  PySlice,
  PyTuple,
  Undefined,
  dictGet,
  dictSet,
  floatRepr,
  fromJS,
  getAttr,
  getItem,
  pyCompare,
  pyEq,
  pyRepr,
  pyStr,
  toJS,
  truthy,
  type PyDict,
} from '../../../../packages/jinja/src/values.ts';
import '../../../../packages/jinja/src/methods.ts';

const FLOAT_REPRS: [number, string][] = [
  [1e16, '1e+16'],
  [1e-5, '1e-05'],
  [0.0001, '0.0001'],
  [1e15, '1000000000000000.0'],
  [123456789012345680.0, '1.2345678901234568e+17'],
  [1.5e-7, '1.5e-07'],
  [-0.0, '-0.0'],
  [0.1, '0.1'],
  [2.0, '2.0'],
  [1 / 3, '0.3333333333333333'],
  [1e22, '1e+22'],
  [5e-324, '5e-324'],
  [1.7976931348623157e308, '1.7976931348623157e+308'],
  [100.0, '100.0'],
  [12345.678, '12345.678'],
  [-2.5, '-2.5'],
  [Infinity, 'inf'],
  [-Infinity, '-inf'],
  [NaN, 'nan'],
];

test('floats print with Python repr: shortest digits, exponent from 1e16 and below 1e-4', () => {
  for (const [x, expected] of FLOAT_REPRS) assert.equal(floatRepr(x), expected, String(x));
});

test('str repr picks quotes and escapes as Python', () => {
  const cases: [string, string][] = [
    ["it's", `"it's"`],
    [`x"y'z`, `'x"y\\'z'`],
    ['a\\b', `'a\\\\b'`],
    ['tab\t\nnl\r', `'tab\\t\\nnl\\r'`],
    ['\x00\x7f\x85', `'\\x00\\x7f\\x85'`],
    ['é☃😀', `'é☃😀'`],
    ['\u200b', `'\\u200b'`],
    ['"', `'"'`],
    ["'", `"'"`],
  ];
  for (const [s, expected] of cases) assert.equal(pyRepr(s), expected);
});

test('containers print as Python lists, tuples and dicts', () => {
  const v = fromJS({ a: [1, "it's", 'x"y\'z', 2.5, null, true], b: new PyTuple([1n]), c: new PyTuple([]) });
  assert.equal(pyRepr(v), `{'a': [1, "it's", 'x"y\\'z', 2.5, None, True], 'b': (1,), 'c': ()}`);
  assert.equal(pyStr(fromJS([1, 'a'])), "[1, 'a']");
});

test('fromJS turns integral numbers into ints and keeps other numbers floats', () => {
  assert.equal(fromJS(3), 3n);
  assert.equal(fromJS(2.5), 2.5);
  assert.equal(fromJS(3, { integersAsInt: false }), 3);
  assert.equal(fromJS(new Date(Date.UTC(2024, 0, 2))), '2024-01-02');
  assert.deepEqual(toJS(fromJS({ a: [1, 'x'] })), { a: [1, 'x'] });
});

test('dict keys follow Python equality: 1, 1.0 and True are one key, the first form is kept', () => {
  const d: PyDict = new Map();
  dictSet(d, 1n, 'a');
  dictSet(d, 1.0, 'b');
  dictSet(d, true, 'c');
  assert.equal(d.size, 1);
  assert.equal(dictGet(d, 1n), 'c');
  assert.equal(pyRepr(d), "{1: 'c'}");
  dictSet(d, new PyTuple([1n, 'x']), 't');
  assert.equal(dictGet(d, new PyTuple([1.0, 'x'])), 't');
  assert.throws(
    () => dictSet(d, [1n], 'l'),
    (e: PyException) => e.pyType === 'TypeError' && /unhashable type: 'list'/.test(e.message),
  );
});

test('equality and ordering follow Python across int, float and bool', () => {
  assert.equal(pyEq(1n, 1.0), true);
  assert.equal(pyEq(true, 1n), true);
  assert.equal(pyEq(NaN, NaN), false);
  assert.equal(pyEq(fromJS([1]), new PyTuple([1n])), false);
  assert.equal(pyCompare(10n ** 20n, 1e19), 1);
  assert.equal(pyCompare('B', 'a'), -1);
  assert.equal(pyCompare('\uffff', '😀'), -1, 'code point order, not UTF-16 order');
  assert.throws(() => pyCompare('a', 1n), /'<' not supported between instances of 'str' and 'int'/);
});

test('attribute lookup prefers methods, item lookup prefers keys (Jinja2 getattr/getitem)', () => {
  const x = fromJS({ items: 'I', foo: 'F' });
  assert.equal(getItem(x, 'items'), 'I');
  assert.equal(pyStr(getAttr(x, 'items')), '<built-in method items of dict object>');
  assert.equal(getAttr(x, 'foo'), 'F');
  const missing = getAttr(x, 'nope');
  assert.ok(missing instanceof Undefined);
  assert.equal(missing.message, "'dict object' has no attribute 'nope'");
  const el = getItem(fromJS([1]), 5n) as Undefined;
  assert.equal(el.message, 'list object has no element 5');
  assert.throws(() => truthy(el), UndefinedError);
});

test('underscore attributes are refused as the sandbox does, dict keys that start with _ still read', () => {
  assert.throws(() => getAttr(fromJS({}), '__class__'), SecurityError);
  assert.equal(getAttr(fromJS({ _private: 1 }), '_private'), 1n);
  const env = new Environment();
  assert.throws(() => env.renderString('{{ x.__class__ }}', { x: {} }), SecurityError);
});

test('slices follow Python, including negative steps and clamping', () => {
  const s = '0123456789';
  assert.equal(getItem(s, new PySlice(null, 7n, null)), '0123456');
  assert.equal(getItem(s, new PySlice(null, null, -3n)), '9630');
  assert.equal(getItem(s, new PySlice(-100n, 2n, null)), '01');
  assert.equal(pyRepr(getItem(fromJS([1, 2, 3, 4]), new PySlice(-3n, null, null))), '[2, 3, 4]');
  assert.throws(() => getItem(s, new PySlice(null, null, 0n)), /slice step cannot be zero/);
});

test('arithmetic keeps int and float apart and uses Python floor division and modulo', () => {
  assert.equal(binop('//', -7n, 2n), -4n);
  assert.equal(binop('%', -7n, 3n), 2n);
  assert.equal(pyStr(binop('/', 4n, 2n)), '2.0');
  assert.equal(pyStr(binop('//', 7.5, -2n)), '-4.0');
  assert.equal(pyStr(binop('%', -7.5, 2n)), '0.5');
  assert.equal(binop('**', 2n, 100n), 2n ** 100n);
  assert.equal(pyStr(binop('**', 2n, -2n)), '0.25');
  assert.throws(
    () => binop('/', 1n, 0n),
    (e: PyException) => e.pyType === 'ZeroDivisionError' && e.message === 'division by zero',
  );
});

test('huge repetitions and powers stop at a budget instead of exhausting memory', () => {
  assert.throws(() => binop('*', 'x', 10n ** 9n), LimitError);
  assert.throws(() => binop('**', 10n, 10n ** 9n), LimitError);
});

test('printf and str.format round exactly as CPython (half-even on the binary value)', () => {
  assert.equal(percentFormat('%.2f', 0.125), '0.12');
  assert.equal(percentFormat('%.0f', 0.5), '0');
  assert.equal(percentFormat('%.1f', 0.35), '0.3');
  assert.equal(formatValue(2.5, '.0f'), '2');
  assert.equal(formatValue(1234n, '010,'), '00,001,234');
  assert.equal(formatValue(123.0, '.3'), '1.23e+02');
  assert.equal(formatValue(12.0, '.3'), '12.0');
  assert.equal(formatValue(-0.01, 'z.1f'), '0.0');
  assert.equal(
    strFormat(
      '{:{w}.{p}f}',
      [3.14159],
      new Map([
        ['w', 10n],
        ['p', 2n],
      ]),
    ),
    '      3.14',
  );
  assert.equal(roundFloat(2.675, 2), 2.67);
  assert.equal(roundFloat(1234.5, -2), 1200);
});

test('ints convert to and from decimal strs up to 4300 digits, as CPython 3.11 allows', () => {
  const atLimit = 10n ** 4300n - 1n;
  assert.equal(pyStr(atLimit).length, 4300);
  assert.equal(pyStr(-atLimit).length, 4301);
  const refused = (fn: () => unknown): void =>
    assert.throws(fn, (e: PyException) => {
      assert.equal(e.pyType, 'ValueError');
      assert.match(e.message, /^Exceeds the limit \(4300 digits\) for integer string conversion/);
      return true;
    });
  refused(() => pyStr(atLimit + 1n));
  refused(() => pyRepr([-(atLimit + 1n)]));
  refused(() => pyStr(2n ** 100_000n));
  refused(() => percentFormat('%d', atLimit + 1n));
  assert.equal(percentFormat('%x', 2n ** 100_000n).length, 25_001);
  const env = new Environment();
  assert.equal(env.renderString('{{ s|int|string|length }}', { s: '9'.repeat(4300) }), '4300');
  assert.equal(env.renderString('{{ s|int }}', { s: '9'.repeat(4301) }), '0');
  assert.equal(env.renderString('{{ (s|int(base=16)).bit_length() }}', { s: 'f'.repeat(5000) }), '20000');
  refused(() => env.renderString('{{ x > 10 ** 5000 }}', { x: 1 }));
});
