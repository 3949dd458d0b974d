/**
 * Python argument binding for builtin filters, tests, globals and methods: positional and
 * keyword arguments against a signature with defaults, raising the TypeError messages CPython
 * gives (`do_truncate() takes from 2 to 6 positional arguments but 7 were given`).
 */
import { PyException } from './errors.ts';
import type { PyValue } from './values.ts';

/** One parameter: a name, and its default when it is optional. */
export type Param = string | readonly [name: string, defaultValue: PyValue];

/** A Python function signature as the builtins declare it. */
export interface Signature {
  /** The Python function's name, as messages show it (`do_truncate`). */
  readonly name: string;
  /** Leading parameters Jinja2 fills itself (environment, context): counted in messages only. */
  readonly implicit?: number;
  readonly params: readonly Param[];
  /** Accepts `*args` after the parameters. */
  readonly varargs?: boolean;
  /** Accepts `**kwargs`. */
  readonly varkw?: boolean;
}

/** The bound arguments: by parameter name, plus extra positional and keyword arguments. */
export interface Bound {
  readonly values: Map<string, PyValue>;
  readonly rest: PyValue[];
  readonly extra: Map<string, PyValue>;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function quoteList(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  if (q.length === 1) return q[0] as string;
  if (q.length === 2) return `${q[0]} and ${q[1]}`;
  return `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}

/** Binds `args`/`kwargs` to `sig` as Python would, or raises Python's TypeError. */
export function bindArgs(
  sig: Signature,
  args: readonly PyValue[],
  kwargs: ReadonlyMap<string, PyValue>,
): Bound {
  const implicit = sig.implicit ?? 0;
  const names = sig.params.map((p) => (typeof p === 'string' ? p : p[0]));
  const required = sig.params.filter((p) => typeof p === 'string').length;
  const values = new Map<string, PyValue>();
  const rest: PyValue[] = [];
  const extra = new Map<string, PyValue>();
  if (args.length > names.length && !sig.varargs) {
    const max = names.length + implicit;
    const min = required + implicit;
    const given = args.length + implicit;
    const takes =
      min === max ? plural(max, 'positional argument') : `from ${min} to ${max} positional arguments`;
    throw new PyException(
      'TypeError',
      `${sig.name}() takes ${takes} but ${given} ${given === 1 ? 'was' : 'were'} given`,
    );
  }
  args.forEach((a, i) => {
    const n = names[i];
    if (n === undefined) rest.push(a);
    else values.set(n, a);
  });
  for (const [k, v] of kwargs) {
    if (names.includes(k)) {
      if (values.has(k))
        throw new PyException('TypeError', `${sig.name}() got multiple values for argument '${k}'`);
      values.set(k, v);
    } else if (sig.varkw) {
      extra.set(k, v);
    } else {
      throw new PyException('TypeError', `${sig.name}() got an unexpected keyword argument '${k}'`);
    }
  }
  const missing: string[] = [];
  for (const p of sig.params) {
    if (typeof p === 'string') {
      if (!values.has(p)) missing.push(p);
    } else if (!values.has(p[0])) values.set(p[0], p[1]);
  }
  if (missing.length > 0) {
    throw new PyException(
      'TypeError',
      `${sig.name}() missing ${plural(missing.length, 'required positional argument')}: ${quoteList(missing)}`,
    );
  }
  return { values, rest, extra };
}

/** Reads a bound argument (always present after `bindArgs`). */
export function arg(b: Bound, name: string): PyValue {
  const v = b.values.get(name);
  if (v === undefined) throw new Error(`unbound parameter ${name}`);
  return v;
}

/**
 * Checks a C-implemented builtin's arguments (`len`, `abs`, `escape`): no keywords, exactly
 * `count` positional arguments.
 */
export function checkBuiltinArgs(
  name: string,
  count: number,
  args: readonly PyValue[],
  kwargs: ReadonlyMap<string, PyValue>,
): void {
  if (kwargs.size > 0) throw new PyException('TypeError', `${name}() takes no keyword arguments`);
  if (args.length !== count) {
    if (count === 1) {
      throw new PyException('TypeError', `${name}() takes exactly one argument (${args.length} given)`);
    }
    throw new PyException('TypeError', `${name} expected ${count} arguments, got ${args.length}`);
  }
}

/**
 * Checks a str/list/dict method's arguments with CPython's wording: argument-clinic methods
 * (`str.upper() takes no arguments (1 given)`, `center expected at most 2 arguments, got 3`) or,
 * with `oldStyle`, PyArg_ParseTuple ones (`split() takes at most 2 arguments (3 given)`).
 * `keywords` names the parameters that may be given by keyword.
 */
export function checkMethodArgs(
  owner: string,
  name: string,
  min: number,
  max: number,
  args: readonly PyValue[],
  kwargs: ReadonlyMap<string, PyValue>,
  keywords: readonly string[] = [],
  oldStyle = false,
): (PyValue | undefined)[] {
  const qualified = `${owner}.${name}`;
  const out: (PyValue | undefined)[] = args.slice();
  const n = args.length;
  if (oldStyle) {
    if (n > max) {
      throw new PyException('TypeError', `${name}() takes at most ${plural(max, 'argument')} (${n} given)`);
    }
  } else if (n > max || n < min) {
    if (max === 0) throw new PyException('TypeError', `${qualified}() takes no arguments (${n} given)`);
    if (min === 1 && max === 1) {
      throw new PyException('TypeError', `${qualified}() takes exactly one argument (${n} given)`);
    }
    if (min === max)
      throw new PyException('TypeError', `${name} expected ${plural(max, 'argument')}, got ${n}`);
    if (n > max)
      throw new PyException('TypeError', `${name} expected at most ${plural(max, 'argument')}, got ${n}`);
    throw new PyException('TypeError', `${name} expected at least ${plural(min, 'argument')}, got ${n}`);
  }
  if (kwargs.size > 0) {
    if (keywords.length === 0) {
      throw new PyException('TypeError', `${oldStyle ? name : qualified}() takes no keyword arguments`);
    }
    for (const [k, v] of kwargs) {
      const i = keywords.indexOf(k);
      if (i < 0) throw new PyException('TypeError', `'${k}' is an invalid keyword argument for ${name}()`);
      if (i < out.length) {
        throw new PyException(
          'TypeError',
          `argument for ${name}() given by name ('${k}') and position (${i + 1})`,
        );
      }
      while (out.length < i) out.push(undefined);
      out[i] = v;
    }
  }
  if (oldStyle && n < min && out.filter((x) => x !== undefined).length < min) {
    throw new PyException('TypeError', `${name}() takes at least ${plural(min, 'argument')} (${n} given)`);
  }
  return out;
}
