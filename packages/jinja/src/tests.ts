/**
 * Every builtin test of Jinja2 3.1 (`jinja2/tests.py`), with its aliases (`==`, `eq`,
 * `equalto`, `<`, `lessthan`, ...) and Python argument binding.
 */
import { arg, bindArgs, checkBuiltinArgs, type Bound, type Param } from './args.ts';
import { PyException } from './errors.ts';
import { isIterableValue } from './filters.ts';
import { binop, compare, contains } from './ops.ts';
import {
  Markup,
  PyObject,
  PyRange,
  PyTuple,
  Undefined,
  hashable,
  isCallable,
  pyEq,
  pyLen,
  pyStr,
  type CallContext,
  type PyValue,
  type TestFunction,
} from './values.ts';
import { getMethod } from './methods.ts';

const TESTS = new Map<string, TestFunction>();

function def(
  names: string[],
  pyName: string,
  params: Param[],
  impl: (ctx: CallContext, b: Bound) => boolean,
  implicit = 0,
): void {
  const t: TestFunction = (ctx, value, args, kwargs) =>
    impl(ctx, bindArgs({ name: pyName, params, implicit }, [value, ...args], kwargs));
  for (const n of names) TESTS.set(n, t);
}

/** A C builtin used as a test (`callable`, `operator.eq`): positional only. */
function defBuiltin(
  names: string[],
  pyName: string,
  count: number,
  impl: (args: PyValue[]) => boolean,
): void {
  const t: TestFunction = (_ctx, value, args, kwargs) => {
    const all = [value, ...args];
    if (kwargs.size > 0) throw new PyException('TypeError', `${pyName}() takes no keyword arguments`);
    if (count === 2) {
      if (all.length !== 2)
        throw new PyException(
          'TypeError',
          `${pyName.replace(/^_operator\./, '')} expected 2 arguments, got ${all.length}`,
        );
    } else checkBuiltinArgs(pyName, count, all, kwargs);
    return impl(all);
  };
  for (const n of names) TESTS.set(n, t);
}

const one = (n: string): PyValue => (n === '1' ? 1n : 0n);

def(['odd'], 'test_odd', ['value'], (_c, b) => pyEq(binop('%', arg(b, 'value'), 2n), one('1')));
def(['even'], 'test_even', ['value'], (_c, b) => pyEq(binop('%', arg(b, 'value'), 2n), one('0')));
def(['divisibleby'], 'test_divisibleby', ['value', 'num'], (_c, b) =>
  pyEq(binop('%', arg(b, 'value'), arg(b, 'num')), 0n),
);
def(['defined'], 'test_defined', ['value'], (_c, b) => !(arg(b, 'value') instanceof Undefined));
def(['undefined'], 'test_undefined', ['value'], (_c, b) => arg(b, 'value') instanceof Undefined);
def(
  ['filter'],
  'test_filter',
  ['value'],
  (ctx, b) => {
    const v = arg(b, 'value');
    if (v instanceof Undefined) return v.fail();
    hashable(v);
    return typeof v === 'string' || v instanceof Markup
      ? ctx.filter(typeof v === 'string' ? v : v.value) !== undefined
      : false;
  },
  1,
);
def(
  ['test'],
  'test_test',
  ['value'],
  (ctx, b) => {
    const v = arg(b, 'value');
    if (v instanceof Undefined) return v.fail();
    hashable(v);
    return typeof v === 'string' || v instanceof Markup
      ? ctx.test(typeof v === 'string' ? v : v.value) !== undefined
      : false;
  },
  1,
);
def(['none'], 'test_none', ['value'], (_c, b) => arg(b, 'value') === null);
def(['boolean'], 'test_boolean', ['value'], (_c, b) => typeof arg(b, 'value') === 'boolean');
def(['false'], 'test_false', ['value'], (_c, b) => arg(b, 'value') === false);
def(['true'], 'test_true', ['value'], (_c, b) => arg(b, 'value') === true);
def(['integer'], 'test_integer', ['value'], (_c, b) => typeof arg(b, 'value') === 'bigint');
def(['float'], 'test_float', ['value'], (_c, b) => typeof arg(b, 'value') === 'number');
def(['lower'], 'test_lower', ['value'], (ctx, b) => callStrMethod(ctx, arg(b, 'value'), 'islower'));
def(['upper'], 'test_upper', ['value'], (ctx, b) => callStrMethod(ctx, arg(b, 'value'), 'isupper'));
def(['string'], 'test_string', ['value'], (_c, b) => {
  const v = arg(b, 'value');
  return typeof v === 'string' || v instanceof Markup;
});
def(['mapping'], 'test_mapping', ['value'], (_c, b) => arg(b, 'value') instanceof Map);
def(['number'], 'test_number', ['value'], (_c, b) => {
  const v = arg(b, 'value');
  return typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean';
});
def(['sequence'], 'test_sequence', ['value'], (_c, b) => {
  const v = arg(b, 'value');
  if (
    typeof v === 'string' ||
    v instanceof Markup ||
    Array.isArray(v) ||
    v instanceof PyTuple ||
    v instanceof Map ||
    v instanceof PyRange
  ) {
    return true;
  }
  if (v instanceof PyObject) {
    try {
      pyLen(v);
      return v.getItem(0n) !== undefined;
    } catch {
      return false;
    }
  }
  return false;
});
def(['sameas'], 'test_sameas', ['value', 'other'], (_c, b) => {
  const v = arg(b, 'value');
  const o = arg(b, 'other');
  if (typeof v === 'number' || typeof o === 'number') return Object.is(v, o);
  return v === o;
});
def(['iterable'], 'test_iterable', ['value'], (_c, b) => isIterableValue(arg(b, 'value')));
def(['escaped'], 'test_escaped', ['value'], (_c, b) => arg(b, 'value') instanceof Markup);
def(['in'], 'test_in', ['value', 'seq'], (_c, b) => contains(arg(b, 'seq'), arg(b, 'value')));

defBuiltin(
  ['callable'],
  'callable',
  1,
  ([v]) => v !== undefined && v !== null && (isCallable(v) || v instanceof Undefined),
);
defBuiltin(['==', 'eq', 'equalto'], '_operator.eq', 2, ([a, b]) => compare('==', a ?? null, b ?? null));
defBuiltin(['!=', 'ne'], '_operator.ne', 2, ([a, b]) => compare('!=', a ?? null, b ?? null));
defBuiltin(['>', 'gt', 'greaterthan'], '_operator.gt', 2, ([a, b]) => compare('>', a ?? null, b ?? null));
defBuiltin(['>=', 'ge'], '_operator.ge', 2, ([a, b]) => compare('>=', a ?? null, b ?? null));
defBuiltin(['<', 'lt', 'lessthan'], '_operator.lt', 2, ([a, b]) => compare('<', a ?? null, b ?? null));
defBuiltin(['<=', 'le'], '_operator.le', 2, ([a, b]) => compare('<=', a ?? null, b ?? null));

function callStrMethod(ctx: CallContext, v: PyValue, name: string): boolean {
  const s = pyStr(v);
  const m = getMethod(s, name);
  if (m === undefined || !isCallable(m)) return false;
  return m.call([], new Map(), ctx) === true;
}

/** Every builtin test by name, Jinja2 3.1's set with its aliases. */
export const BUILTIN_TESTS: ReadonlyMap<string, TestFunction> = TESTS;
