/**
 * Jinja2's compile-time constant folding, as far as CPython's 4300-digit limit on int -> str
 * conversion makes it observable. Jinja2's optimizer folds every expression whose operands are
 * constants, and its code generator writes the folded constant's `repr()` into the Python source it
 * generates; past 4300 decimal digits that `repr()` raises ValueError. So `{% set y = 10 ** 5000 %}`
 * or `{{ x > 10 ** 5000 }}` fail to compile in Jinja2 although the int is never printed, while
 * `{{ 10 ** 5000 > 0 }}` folds on into `True` and compiles. Modelled for the constants built from
 * literals with arithmetic, lists, tuples and dicts, where no enclosing expression folds further.
 */
import { PyException } from './errors.ts';
import type { Expr } from './nodes.ts';
import { binop, unop } from './ops.ts';
import { PyTuple, dictSet, exceedsIntStrDigits, intStr } from './values.ts';
import type { PyDict, PyValue } from './values.ts';

/** The builtin filters Jinja2 never folds (they take the render context). */
const CONTEXT_FILTERS = new Set(['map', 'random', 'reject', 'rejectattr', 'select', 'selectattr']);

/** Whether Jinja2's optimizer would try to fold `e`: every operand is itself foldable. */
export function foldsAtCompileTime(e: Expr): boolean {
  switch (e.kind) {
    case 'Const':
      return true;
    case 'Tuple':
    case 'List':
      return e.items.every(foldsAtCompileTime);
    case 'Dict':
      return e.items.every((i) => foldsAtCompileTime(i.key) && foldsAtCompileTime(i.value));
    case 'CondExpr':
      return (
        foldsAtCompileTime(e.test) && foldsAtCompileTime(e.expr1) && (!e.expr2 || foldsAtCompileTime(e.expr2))
      );
    case 'And':
    case 'Or':
    case 'BinOp':
      return foldsAtCompileTime(e.left) && foldsAtCompileTime(e.right);
    case 'Not':
    case 'Neg':
    case 'Pos':
    case 'Getattr':
      return foldsAtCompileTime(e.node);
    case 'Concat':
      return e.nodes.every(foldsAtCompileTime);
    case 'Compare':
      return foldsAtCompileTime(e.expr) && e.ops.every((o) => foldsAtCompileTime(o.expr));
    case 'Getitem':
      return foldsAtCompileTime(e.node) && foldsAtCompileTime(e.arg);
    case 'Filter':
    case 'Test':
      return (
        !(e.kind === 'Filter' && CONTEXT_FILTERS.has(e.name)) &&
        e.node !== null &&
        foldsAtCompileTime(e.node) &&
        e.args.every(foldsAtCompileTime) &&
        e.kwargs.every((k) => foldsAtCompileTime(k.value)) &&
        e.dynArgs === null &&
        e.dynKwargs === null
      );
    default:
      return false;
  }
}

/** Literals combined with arithmetic, lists, tuples and dicts. */
function isConstantData(e: Expr): boolean {
  switch (e.kind) {
    case 'Const':
      return true;
    case 'Neg':
    case 'Pos':
      return isConstantData(e.node);
    case 'BinOp':
      return isConstantData(e.left) && isConstantData(e.right);
    case 'Tuple':
    case 'List':
      return e.items.every(isConstantData);
    case 'Dict':
      return e.items.every((i) => isConstantData(i.key) && isConstantData(i.value));
    default:
      return false;
  }
}

function constantValue(e: Expr): PyValue {
  switch (e.kind) {
    case 'Const':
      return e.value;
    case 'Neg':
    case 'Pos':
      return unop(e.kind === 'Neg' ? '-' : '+', constantValue(e.node));
    case 'BinOp':
      return binop(e.op, constantValue(e.left), constantValue(e.right));
    case 'Tuple':
      return new PyTuple(e.items.map(constantValue));
    case 'List':
      return e.items.map(constantValue);
    case 'Dict': {
      const map: PyDict = new Map();
      for (const i of e.items) dictSet(map, constantValue(i.key), constantValue(i.value));
      return map;
    }
    default:
      throw new Error(`not constant data: ${e.kind}`);
  }
}

function operands(e: Expr): Expr[] {
  switch (e.kind) {
    case 'Neg':
    case 'Pos':
      return [e.node];
    case 'BinOp':
      return [e.left, e.right];
    case 'Tuple':
    case 'List':
      return e.items;
    case 'Dict':
      return e.items.flatMap((i) => [i.key, i.value]);
    default:
      return [];
  }
}

/**
 * For `e`, an expression no enclosing expression folds: raises Jinja2's compile-time ValueError
 * when `e` is constant data whose repr() CPython refuses. A constant that fails to evaluate
 * (`1 / 0`, `"%d" % 10 ** 5000`) is not folded: its operands are checked in its place.
 */
export function checkFoldedConstant(e: Expr, template: string | undefined): void {
  if (e.kind === 'Const' || !isConstantData(e)) return;
  let value: PyValue;
  try {
    value = constantValue(e);
  } catch {
    // Not folded: its operands are, each on its own.
    for (const child of operands(e)) checkFoldedConstant(child, template);
    return;
  }
  try {
    checkRepr(value);
  } catch (err) {
    if (err instanceof PyException && err.pyType === 'ValueError') {
      throw new PyException('ValueError', err.message, { template, line: e.line });
    }
  }
}

/**
 * Raises what `repr()` of constant data raises: an int past 4300 digits is the only part of it
 * whose repr can fail. Walked rather than built: the repr of a long constant list (`[1] * 10 ** 7`)
 * would be tens of megabytes of text, made at compile time only to be thrown away.
 */
function checkRepr(v: PyValue): void {
  if (typeof v === 'bigint') {
    if (exceedsIntStrDigits(v)) intStr(v);
  } else if (Array.isArray(v)) {
    for (const x of v) checkRepr(x);
  } else if (v instanceof PyTuple) {
    for (const x of v.items) checkRepr(x);
  } else if (v instanceof Map) {
    for (const [k, x] of v) {
      checkRepr(k);
      checkRepr(x);
    }
  }
}
