/**
 * The evaluator: walks a parsed template with Jinja2's runtime semantics (frames and scoping,
 * loops, macros, call blocks, inheritance, include/import) and the render budgets. Every value a
 * template touches is a `PyValue`; attribute and item lookups go through `getAttr`/`getItem`.
 */
import {
  LimitError,
  PyException,
  SecurityError,
  TemplateError,
  TemplateNotFound,
  VALUE_TOO_LARGE,
} from './errors.ts';
import type { Expr, Stmt, Target, TemplateNode } from './nodes.ts';
import { childStatements } from './parser.ts';
import { foldsAtCompileTime } from './fold.ts';
import { binop, compare, contains, escapeHtml, unop } from './ops.ts';
import type { BinaryOp, CompareOperator } from './ops.ts';
import {
  Markup,
  Namespace,
  PyObject,
  PyFunction,
  PyRange,
  PySlice,
  PyTuple,
  Undefined,
  dictSet,
  getAttr,
  getItem,
  isCallable,
  pyEq,
  pyIter,
  pyRepr,
  pyStr,
  sliceValue,
  truthy,
  typeName,
} from './values.ts';
import type { CallContext, FilterFunction, PyCallable, PyValue, TestFunction } from './values.ts';

/** Rendering budgets: exceeding one raises `LimitError`. */
export interface Limits {
  /**
   * Maximum output in bytes (UTF-8), counting everything written, including output captured by
   * macros, call and set blocks before it is printed, so unprinted captures are bounded too.
   */
  maxOutputBytes: number;
  /** Maximum loop iterations, macro calls and materialised items over the whole render. */
  maxIterations: number;
  /** Maximum nesting of macro calls, includes, imports, blocks and recursive loops. */
  maxDepth: number;
  /** Wall-clock limit for one render in milliseconds. */
  timeoutMs: number;
}

/** The defaults: 10 MB of output, a million iterations, depth 100, 30 seconds. */
export const DEFAULT_LIMITS: Limits = {
  maxOutputBytes: 10 * 1024 * 1024,
  maxIterations: 1_000_000,
  maxDepth: 100,
  timeoutMs: 30_000,
};

/** A parsed template as the environment caches it. */
export interface CompiledTemplate {
  readonly name: string | undefined;
  readonly node: TemplateNode;
}

/** What the runtime needs from the environment. */
export interface RuntimeEnvironment {
  readonly filters: ReadonlyMap<string, FilterFunction>;
  readonly tests: ReadonlyMap<string, TestFunction>;
  readonly globals: ReadonlyMap<string, PyValue>;
  readonly limits: Limits;
  /** The parsed template called `name`, or undefined when the loader has none. */
  loadTemplate(name: string): CompiledTemplate | undefined;
}

/** Per-render state: budgets and the call context handed to builtins. */
class RenderState implements CallContext {
  /** The autoescape setting of the frame whose filter is being called (see callFilter). */
  autoescape = false;
  iterations = 0;
  outputBytes = 0;
  depth = 0;
  private entered = 0;
  /** Modules imported without context, shared by every import of the template in this render (as Jinja2 caches them). */
  readonly modules = new Map<CompiledTemplate, TemplateModule>();
  readonly deadline: number;

  constructor(readonly env: RuntimeEnvironment) {
    this.deadline = Date.now() + env.limits.timeoutMs;
  }

  filter(name: string): FilterFunction | undefined {
    return this.env.filters.get(name);
  }

  test(name: string): TestFunction | undefined {
    return this.env.tests.get(name);
  }

  tick(n = 1): void {
    const before = this.iterations;
    this.iterations += n;
    if (this.iterations > this.env.limits.maxIterations) {
      throw new LimitError(
        `the template exceeded the budget of ${this.env.limits.maxIterations} loop iterations and macro calls`,
      );
    }
    if (before >>> 10 !== this.iterations >>> 10 || n > 1024) this.checkTime();
  }

  checkTime(): void {
    if (Date.now() > this.deadline) {
      throw new LimitError(`rendering exceeded the time limit of ${this.env.limits.timeoutMs} ms`);
    }
  }

  enter(): void {
    this.depth++;
    if (this.depth > this.env.limits.maxDepth) {
      this.depth--;
      throw new LimitError(
        `the template exceeded the nesting depth limit of ${this.env.limits.maxDepth} (macro calls, includes, blocks or recursive loops)`,
      );
    }
    if ((++this.entered & 63) === 0) this.checkTime();
  }

  leave(): void {
    this.depth--;
  }

  wrote(chunk: string): void {
    this.outputBytes += chunk.length < 64 ? chunk.length : Buffer.byteLength(chunk);
    if (this.outputBytes > this.env.limits.maxOutputBytes) {
      throw new LimitError(`the output exceeded the limit of ${this.env.limits.maxOutputBytes} bytes`);
    }
  }
}

type BlockNode = Stmt & { kind: 'Block' };

interface BlockDef {
  readonly node: BlockNode;
  readonly tmpl: CompiledTemplate;
}

/** Jinja2's `Context`: the render's variables, exported names and block stacks. */
class Context {
  readonly vars = new Map<string, PyValue>();
  readonly exported = new Set<string>();
  readonly blocks = new Map<string, BlockDef[]>();
  readonly root: Scope;
  readonly name: string | undefined;

  constructor(
    readonly state: RenderState,
    readonly parent: ReadonlyMap<string, PyValue>,
    tmpl: CompiledTemplate,
  ) {
    this.name = tmpl.name;
    this.root = new Scope(this.vars, null);
    for (const [name, node] of tmpl.node.blocks) this.blocks.set(name, [{ node, tmpl }]);
  }

  resolve(name: string): PyValue | undefined {
    const v = this.vars.get(name);
    if (v !== undefined) return v;
    // Jinja2 binds `self` as a local of the template function, so it wins over passed-in values.
    if (name === 'self') return new TemplateReference(this);
    const p = this.parent.get(name);
    if (p !== undefined) return p;
    return this.state.env.globals.get(name);
  }

  /** Everything visible from `scope`, innermost winning: what `include`/`import with context` pass on. */
  flatten(scope: Scope): Map<string, PyValue> {
    const all = new Map<string, PyValue>(this.parent);
    const chain: Scope[] = [];
    for (let s: Scope | null = scope; s; s = s.parent) chain.push(s);
    for (let i = chain.length - 1; i >= 0; i--) {
      for (const [k, v] of (chain[i] as Scope).vars) all.set(k, v);
    }
    return all;
  }
}

/** A lexical scope: a frame's variables and the enclosing one. The root's vars are the context's. */
class Scope {
  constructor(
    readonly vars: Map<string, PyValue>,
    readonly parent: Scope | null,
  ) {}

  child(): Scope {
    return new Scope(new Map(), this);
  }
}

/** Per-template-function state while statements run. */
interface Frame {
  /** Mutable only for the frame a loop reuses across its iterations (captures copy the frame). */
  scope: Scope;
  readonly ctx: Context;
  readonly tmpl: CompiledTemplate;
  readonly out: string[];
  /** Set in a template's top-level code: tracks `extends` so later output is skipped. */
  readonly root: RootRun | null;
  /** Top-level (or only inside `if`s at top level): assignments are exported. */
  readonly toplevel: boolean;
  /** Inside `{% autoescape true %}`: printed values that are not `Markup` are HTML-escaped. */
  readonly autoescape: boolean;
}

/** A frame for a nested scope: never top-level, so assignments there are not exported. */
function innerFrame(
  frame: Frame,
  scope: Scope,
  out: string[] = frame.out,
  root: RootRun | null = frame.root,
  autoescape: boolean = frame.autoescape,
): Frame {
  return { scope, ctx: frame.ctx, tmpl: frame.tmpl, out, root, toplevel: false, autoescape };
}

interface RootRun {
  parentTemplate: CompiledTemplate | null;
}

function convertError(error: unknown, tmpl: CompiledTemplate, line: number): unknown {
  if (error instanceof TemplateError) return error.locate(tmpl.name, line);
  if (error instanceof RangeError) {
    const message = /call stack/i.test(error.message)
      ? 'the template nests too deeply (recursion limit reached)'
      : /string length|array length|BigInt size/i.test(error.message)
        ? VALUE_TOO_LARGE
        : null;
    if (message) return new LimitError(message).locate(tmpl.name, line);
  }
  return error;
}

/** Renders `tmpl` with `vars` and returns the output. */
export function renderTemplate(
  env: RuntimeEnvironment,
  tmpl: CompiledTemplate,
  vars: ReadonlyMap<string, PyValue>,
): string {
  const state = new RenderState(env);
  const ctx = new Context(state, vars, tmpl);
  const out: string[] = [];
  renderRoot(ctx, tmpl, out);
  return out.join('');
}

function renderRoot(ctx: Context, tmpl: CompiledTemplate, out: string[]): void {
  const run: RootRun = { parentTemplate: null };
  const frame: Frame = { scope: ctx.root, ctx, tmpl, out, root: run, toplevel: true, autoescape: false };
  execBody(tmpl.node.body, frame);
  if (run.parentTemplate) {
    const parent = run.parentTemplate;
    ctx.state.enter();
    try {
      renderRoot(ctx, parent, out);
    } finally {
      ctx.state.leave();
    }
  }
}

function write(frame: Frame, chunk: string): void {
  if (frame.root?.parentTemplate) return;
  frame.ctx.state.wrote(chunk);
  frame.out.push(chunk);
}

function execBody(body: readonly Stmt[], frame: Frame): void {
  for (const stmt of body) {
    try {
      execStmt(stmt, frame);
    } catch (error) {
      throw convertError(error, frame.tmpl, stmt.line);
    }
  }
}

/** The plain (non-strict) undefined values Jinja2 uses for `x if false` without `else`. */
const lenientUndefined = new WeakSet<Undefined>();

/** Python truthiness; the plain undefined of `x if false` is false instead of raising. */
function isTrue(v: PyValue): boolean {
  return v instanceof Undefined && lenientUndefined.has(v) ? false : truthy(v);
}

function outputValue(v: PyValue): string {
  if (typeof v === 'string') return v;
  if (v instanceof Undefined) return lenientUndefined.has(v) ? '' : v.fail();
  return pyStr(v);
}

function escapedValue(v: PyValue): string {
  if (v instanceof Markup) return v.value;
  return escapeHtml(outputValue(v));
}

function execStmt(stmt: Stmt, frame: Frame): void {
  switch (stmt.kind) {
    case 'Output': {
      if (frame.root?.parentTemplate) return;
      for (const node of stmt.nodes) {
        if (node.kind === 'TemplateData') write(frame, node.data);
        else {
          try {
            const value = evalExpr(node, frame);
            write(frame, frame.autoescape ? escapedValue(value) : outputValue(value));
          } catch (error) {
            throw convertError(error, frame.tmpl, node.line);
          }
        }
      }
      return;
    }
    case 'If': {
      if (isTrue(evalExpr(stmt.test, frame))) return execBody(stmt.body, frame);
      for (const elif of stmt.elifs) {
        let ok: boolean;
        try {
          ok = isTrue(evalExpr(elif.test, frame));
        } catch (error) {
          throw convertError(error, frame.tmpl, elif.line);
        }
        if (ok) return execBody(elif.body, frame);
      }
      return execBody(stmt.else_, frame);
    }
    case 'For':
      return execFor(stmt, frame);
    case 'Assign': {
      const value = evalExpr(stmt.node, frame);
      assign(stmt.target, value, frame);
      return;
    }
    case 'AssignBlock': {
      const inner: Frame = innerFrame(frame, frame.scope.child(), [], null);
      execBody(stmt.body, inner);
      const text = inner.out.join('');
      let value: PyValue = frame.autoescape ? new Markup(text) : text;
      if (stmt.filter) value = applyFilterChain(stmt.filter, value, inner);
      assign(stmt.target, value, frame);
      return;
    }
    case 'With': {
      const values = stmt.values.map((v) => evalExpr(v, frame));
      const inner: Frame = innerFrame(frame, frame.scope.child());
      stmt.targets.forEach((t, i) => assign(t, values[i] as PyValue, inner));
      execBody(stmt.body, inner);
      return;
    }
    case 'Scope': {
      const autoescape = stmt.autoescape ? isTrue(evalExpr(stmt.autoescape, frame)) : frame.autoescape;
      execBody(stmt.body, innerFrame(frame, frame.scope.child(), frame.out, frame.root, autoescape));
      return;
    }
    case 'Macro': {
      const macro = new Macro(stmt.name, stmt, { ...frame }, false);
      frame.scope.vars.set(stmt.name, macro);
      if (frame.toplevel && !stmt.name.startsWith('_')) frame.ctx.exported.add(stmt.name);
      return;
    }
    case 'CallBlock': {
      const caller = new Macro('caller', stmt, { ...frame }, true);
      const call = stmt.call;
      const callee = evalExpr(call.node, frame);
      const { args, kwargs } = evalCallArgs(call, frame);
      kwargs.set('caller', caller);
      const rv = callValue(callee, args, kwargs, frame);
      write(frame, frame.autoescape ? escapedValue(rv) : outputValue(rv));
      return;
    }
    case 'FilterBlock': {
      const inner: Frame = innerFrame(frame, frame.scope.child(), [], null);
      execBody(stmt.body, inner);
      const text = inner.out.join('');
      const value = applyFilterChain(stmt.filter, frame.autoescape ? new Markup(text) : text, inner);
      write(frame, frame.autoescape ? escapedValue(value) : outputValue(value));
      return;
    }
    case 'Block': {
      if (frame.root?.parentTemplate) return;
      renderBlock(frame.ctx, stmt.name, 0, stmt.scoped ? frame.scope : null, frame.out);
      return;
    }
    case 'Extends': {
      const run = frame.root;
      if (!run) throw new PyException('TemplateRuntimeError', 'cannot use extend from a non top-level scope');
      if (run.parentTemplate) throw new PyException('TemplateRuntimeError', 'extended multiple times');
      const parent = getTemplate(frame, evalExpr(stmt.template, frame));
      for (const [name, node] of parent.node.blocks) {
        const stack = frame.ctx.blocks.get(name);
        const def = { node, tmpl: parent };
        if (stack) stack.push(def);
        else frame.ctx.blocks.set(name, [def]);
      }
      run.parentTemplate = parent;
      return;
    }
    case 'Include':
      return execInclude(stmt, frame);
    case 'Import': {
      const module = importModule(frame, evalExpr(stmt.template, frame), stmt.withContext);
      frame.scope.vars.set(stmt.target, module);
      if (frame.toplevel) frame.ctx.exported.delete(stmt.target);
      return;
    }
    case 'FromImport': {
      const tmplName = evalExpr(stmt.template, frame);
      const module = importModule(frame, tmplName, stmt.withContext);
      for (const { name, alias } of stmt.names) {
        let value = module.exports.get(name);
        if (value === undefined) {
          value = new Undefined(
            name,
            `the template ${pyRepr(module.templateName ?? pyStr(tmplName))} (imported on ${position(stmt.line, frame)}) does not export the requested name ${pyRepr(name)}`,
          );
        }
        frame.scope.vars.set(alias, value);
        if (frame.toplevel) frame.ctx.exported.delete(alias);
      }
      return;
    }
  }
}

function applyFilterChain(filter: Expr, value: PyValue, frame: Frame): PyValue {
  if (filter.kind !== 'Filter') return value;
  const input = filter.node === null ? value : applyFilterChain(filter.node, value, frame);
  return callFilter(filter, input, frame);
}

// ---------------------------------------------------------------------------------------------
// Assignment

function assign(target: Target, value: PyValue, frame: Frame): void {
  switch (target.kind) {
    case 'Name':
      frame.scope.vars.set(target.name, value);
      if (frame.toplevel && !target.name.startsWith('_')) frame.ctx.exported.add(target.name);
      return;
    case 'NSRef': {
      const ns = lookup(target.name, frame);
      if (!(ns instanceof Namespace)) {
        throw new PyException('TemplateRuntimeError', 'cannot assign attribute on non-namespace object');
      }
      if (target.attr.startsWith('_')) {
        throw new SecurityError(
          `access to attribute ${pyRepr(target.attr)} of 'Namespace' object is unsafe.`,
        );
      }
      ns.set(target.attr, value);
      return;
    }
    case 'Tuple': {
      const items = unpack(value, target.items.length);
      target.items.forEach((t, i) => assign(t, items[i] as PyValue, frame));
      return;
    }
  }
}

function unpack(value: PyValue, n: number): PyValue[] {
  if (value instanceof Undefined) return value.fail();
  const items: PyValue[] = [];
  for (const item of pyIter(value)) {
    items.push(item);
    if (items.length > n) {
      throw new PyException('ValueError', `too many values to unpack (expected ${n})`);
    }
  }
  if (items.length < n) {
    throw new PyException('ValueError', `not enough values to unpack (expected ${n}, got ${items.length})`);
  }
  return items;
}

// ---------------------------------------------------------------------------------------------
// Loops

/** Jinja2's `LoopContext`: the `loop` variable inside `{% for %}`. */
export class LoopContext extends PyObject implements PyCallable {
  readonly typeName = 'LoopContext';
  override readonly moduleName = 'jinja2.runtime';
  readonly pyName = 'loop';
  index0 = -1;
  private lastChanged: PyValue | typeof MISSING = MISSING;

  constructor(
    private readonly items: ItemSource,
    readonly depth0: number,
    private readonly recurse: ((iterable: PyValue, depth0: number) => string) | null,
  ) {
    super();
  }

  private cachedLength: number | undefined;

  /** Jinja2 takes `len()` of the iterable once, when first asked. */
  get length(): number {
    this.cachedLength ??= this.items.length;
    return this.cachedLength;
  }

  getAttr(name: string): PyValue | undefined {
    const i = this.index0;
    const n =
      name === 'length' || name === 'revindex' || name === 'revindex0' ? this.length : this.items.length;
    switch (name) {
      case 'index':
        return BigInt(i + 1);
      case 'index0':
        return BigInt(i);
      case 'revindex':
        return BigInt(n - i);
      case 'revindex0':
        return BigInt(n - i - 1);
      case 'first':
        return i === 0;
      case 'last':
        return i === n - 1;
      case 'length':
        return BigInt(n);
      case 'depth':
        return BigInt(this.depth0 + 1);
      case 'depth0':
        return BigInt(this.depth0);
      case 'previtem':
        return i > 0 ? this.items.at(i - 1) : new Undefined('previtem', 'there is no previous item');
      case 'nextitem':
        return i + 1 < n ? this.items.at(i + 1) : new Undefined('nextitem', 'there is no next item');
      case 'cycle':
        return new PyFunction('cycle', (args) => {
          if (args.length === 0) throw new PyException('TypeError', 'no items for cycling given');
          return args[i % args.length] as PyValue;
        });
      case 'changed':
        return new PyFunction('changed', (args) => {
          const value = new PyTuple(args);
          if (this.lastChanged === MISSING || !pyEq(this.lastChanged as PyValue, value)) {
            this.lastChanged = value;
            return true;
          }
          return false;
        });
      default:
        return undefined;
    }
  }

  override repr(): string {
    return `<LoopContext ${this.index0 + 1}/${this.length}>`;
  }

  call(args: PyValue[], kwargs: Map<string, PyValue>): PyValue {
    if (!this.recurse)
      throw new PyException(
        'TypeError',
        "The loop must have the 'recursive' marker to be called recursively.",
      );
    if (kwargs.size > 0) {
      const first = kwargs.keys().next().value as string;
      throw new PyException(
        'TypeError',
        `LoopContext.__call__() got an unexpected keyword argument ${pyRepr(first)}`,
      );
    }
    if (args.length !== 1) {
      throw new PyException(
        'TypeError',
        args.length === 0
          ? "LoopContext.__call__() missing 1 required positional argument: 'iterable'"
          : `LoopContext.__call__() takes 2 positional arguments but ${args.length + 1} were given`,
      );
    }
    return this.recurse(args[0] as PyValue, this.depth0 + 1);
  }
}

const MISSING = Symbol('missing');

interface ItemSource {
  readonly length: number;
  at(i: number): PyValue;
}

function itemSource(iterable: PyValue, state: RenderState): ItemSource {
  if (Array.isArray(iterable)) {
    // Python iterates a list live: items appended by the body are iterated too.
    return {
      get length() {
        return iterable.length;
      },
      at: (i) => iterable[i] as PyValue,
    };
  }
  if (iterable instanceof PyTuple) {
    const items = iterable.items;
    return { length: items.length, at: (i) => items[i] as PyValue };
  }
  if (iterable instanceof PyRange) {
    const length = Number(iterable.length);
    return { length, at: (i) => iterable.at(BigInt(i)) };
  }
  const items: PyValue[] = [];
  for (const item of pyIter(iterable)) {
    state.tick();
    items.push(item);
  }
  return { length: items.length, at: (i) => items[i] as PyValue };
}

function execFor(stmt: Stmt & { kind: 'For' }, frame: Frame): void {
  const state = frame.ctx.state;
  const extended = isExtendedLoop(stmt);
  const runLoop = (iterable: PyValue, depth0: number, out: string[]): void => {
    if (iterable instanceof Undefined) {
      if (!lenientUndefined.has(iterable)) iterable.fail();
      iterable = [];
    }
    let source = itemSource(iterable, state);
    if (stmt.test) {
      const kept: PyValue[] = [];
      for (let i = 0; i < source.length; i++) {
        state.tick();
        const item = source.at(i);
        const testFrame: Frame = innerFrame(frame, frame.scope.child(), out);
        assign(stmt.target, item, testFrame);
        let keep: boolean;
        try {
          keep = isTrue(evalExpr(stmt.test, testFrame));
        } catch (error) {
          throw convertError(error, frame.tmpl, stmt.test.line);
        }
        if (keep) kept.push(item);
      }
      source = { length: kept.length, at: (i) => kept[i] as PyValue };
    }
    const recurse = stmt.recursive
      ? (inner: PyValue, d: number): string => {
          const buf: string[] = [];
          state.enter();
          try {
            runLoop(inner, d, buf);
          } finally {
            state.leave();
          }
          return buf.join('');
        }
      : null;
    const loop = new LoopContext(source, depth0, recurse);
    const dict = iterable instanceof Map && !stmt.test ? iterable : null;
    const dictSize = dict?.size ?? 0;
    let i = 0;
    const inner: Frame = innerFrame(frame, frame.scope, out);
    for (; i < source.length; i++) {
      state.tick();
      loop.index0 = i;
      const scope = frame.scope.child();
      inner.scope = scope;
      if (extended) scope.vars.set('loop', loop);
      assign(stmt.target, source.at(i), inner);
      execBody(stmt.body, inner);
      if (dict && dict.size !== dictSize) {
        throw new PyException('RuntimeError', 'dictionary changed size during iteration');
      }
    }
    if (i === 0 && stmt.else_.length > 0) {
      execBody(stmt.else_, innerFrame(frame, frame.scope.child(), out));
    }
  };
  runLoop(evalExpr(stmt.iter, frame), 0, frame.out);
}

const extendedLoops = new WeakMap<Stmt, boolean>();

/** Jinja2 only binds `loop` when the body uses it, the loop is recursive or holds a scoped block. */
function isExtendedLoop(stmt: Stmt & { kind: 'For' }): boolean {
  let extended = extendedLoops.get(stmt);
  if (extended === undefined) {
    extended = stmt.recursive || findUndeclared(stmt.body, ['loop']).has('loop') || hasScopedBlock(stmt.body);
    extendedLoops.set(stmt, extended);
  }
  return extended;
}

function hasScopedBlock(body: readonly Stmt[]): boolean {
  return body.some(
    (s) => (s.kind === 'Block' && s.scoped) || childStatements(s).some((c) => hasScopedBlock(c.body)),
  );
}

// ---------------------------------------------------------------------------------------------
// Macros

/** Jinja2's `find_undeclared`: which of `names` the body reads (not looking into blocks). */
export function findUndeclared(body: readonly Stmt[], names: readonly string[]): Set<string> {
  const found = new Set<string>();
  const visitExpr = (e: Expr | null | undefined): void => {
    if (!e) return;
    switch (e.kind) {
      case 'Name':
        if (names.includes(e.name)) found.add(e.name);
        return;
      case 'Const':
      case 'NSRef':
        return;
      case 'Tuple':
      case 'List':
        e.items.forEach(visitExpr);
        return;
      case 'Dict':
        for (const { key, value } of e.items) {
          visitExpr(key);
          visitExpr(value);
        }
        return;
      case 'CondExpr':
        visitExpr(e.test);
        visitExpr(e.expr1);
        visitExpr(e.expr2);
        return;
      case 'And':
      case 'Or':
      case 'BinOp':
        visitExpr(e.left);
        visitExpr(e.right);
        return;
      case 'Not':
      case 'Neg':
      case 'Pos':
        visitExpr(e.node);
        return;
      case 'Concat':
        e.nodes.forEach(visitExpr);
        return;
      case 'Compare':
        visitExpr(e.expr);
        for (const op of e.ops) visitExpr(op.expr);
        return;
      case 'Getattr':
        visitExpr(e.node);
        return;
      case 'Getitem':
        visitExpr(e.node);
        visitExpr(e.arg);
        return;
      case 'Slice':
        visitExpr(e.start);
        visitExpr(e.stop);
        visitExpr(e.step);
        return;
      case 'Call':
      case 'Filter':
      case 'Test':
        visitExpr(e.node);
        e.args.forEach(visitExpr);
        for (const k of e.kwargs) visitExpr(k.value);
        visitExpr(e.dynArgs);
        visitExpr(e.dynKwargs);
        return;
    }
  };
  const visitStmts = (stmts: readonly Stmt[]): void => {
    for (const s of stmts) {
      switch (s.kind) {
        case 'Output':
          for (const n of s.nodes) if (n.kind !== 'TemplateData') visitExpr(n);
          break;
        case 'If':
          visitExpr(s.test);
          visitStmts(s.body);
          for (const e of s.elifs) {
            visitExpr(e.test);
            visitStmts(e.body);
          }
          visitStmts(s.else_);
          break;
        case 'For':
          visitExpr(s.iter);
          visitExpr(s.test);
          visitStmts(s.body);
          visitStmts(s.else_);
          break;
        case 'Assign':
          visitExpr(s.node);
          break;
        case 'AssignBlock':
          visitExpr(s.filter);
          visitStmts(s.body);
          break;
        case 'With':
          s.values.forEach(visitExpr);
          visitStmts(s.body);
          break;
        case 'Macro':
          s.defaults.forEach(visitExpr);
          visitStmts(s.body);
          break;
        case 'CallBlock':
          visitExpr(s.call);
          s.defaults.forEach(visitExpr);
          visitStmts(s.body);
          break;
        case 'FilterBlock':
          visitExpr(s.filter);
          visitStmts(s.body);
          break;
        case 'Scope':
          visitStmts(s.body);
          break;
        case 'Extends':
        case 'Include':
        case 'Import':
        case 'FromImport':
          visitExpr(s.template);
          break;
        case 'Block':
          break;
      }
    }
  };
  visitStmts(body);
  return found;
}

type MacroNode = Stmt & ({ kind: 'Macro' } | { kind: 'CallBlock' });

/** A `{% macro %}` (or the `caller` of a call block) as a Python callable. */
export class Macro extends PyObject implements PyCallable {
  readonly typeName = 'Macro';
  override readonly moduleName = 'jinja2.runtime';
  private readonly catchVarargs: boolean;
  private readonly catchKwargs: boolean;
  private readonly acceptsCaller: boolean;
  private readonly explicitCaller: boolean;

  constructor(
    readonly pyName: string,
    private readonly node: MacroNode,
    private readonly frame: Frame,
    private readonly isCaller: boolean,
  ) {
    super();
    const undeclared = findUndeclared(node.body, ['caller', 'varargs', 'kwargs']);
    this.explicitCaller = node.args.includes('caller');
    this.acceptsCaller = undeclared.has('caller') && !this.explicitCaller;
    this.catchVarargs = undeclared.has('varargs') && !node.args.includes('varargs');
    this.catchKwargs = undeclared.has('kwargs') && !node.args.includes('kwargs');
  }

  getAttr(name: string): PyValue | undefined {
    switch (name) {
      case 'name':
        return this.macroName;
      case 'arguments':
        return new PyTuple([...this.node.args]);
      case 'catch_kwargs':
        return this.catchKwargs;
      case 'catch_varargs':
        return this.catchVarargs;
      case 'caller':
        return this.acceptsCaller;
      default:
        return undefined;
    }
  }

  /** Python's `Macro.name`: None for the `caller` of a call block. */
  private get macroName(): string | null {
    return this.isCaller ? null : this.pyName;
  }

  override repr(): string {
    return `<Macro ${this.isCaller ? 'anonymous' : pyRepr(this.pyName)}>`;
  }

  call(args: PyValue[], kwargs: Map<string, PyValue>): PyValue {
    const node = this.node;
    const argCount = node.args.length;
    const remaining = new Map(kwargs);
    const scope = this.frame.scope.child();
    const values: (PyValue | typeof MISSING)[] = args.slice(0, argCount);
    let foundCaller = false;
    if (values.length !== argCount) {
      for (const name of node.args.slice(values.length)) {
        const v = remaining.get(name);
        remaining.delete(name);
        if (name === 'caller') foundCaller = true;
        values.push(v === undefined ? MISSING : v);
      }
    } else {
      foundCaller = this.explicitCaller;
    }
    let caller: PyValue | undefined;
    if (this.acceptsCaller && !foundCaller) {
      caller = remaining.get('caller');
      remaining.delete('caller');
      if (caller === undefined) caller = new Undefined('caller', 'No caller defined');
    }
    let kwargsDict: Map<PyValue, PyValue> | undefined;
    if (this.catchKwargs) {
      kwargsDict = new Map();
      for (const [k, v] of remaining) dictSet(kwargsDict, k, v);
    } else if (remaining.size > 0) {
      if (remaining.has('caller')) {
        throw new PyException(
          'TypeError',
          `macro ${pyRepr(this.macroName)} was invoked with two values for the special caller argument. This is most likely a bug.`,
        );
      }
      const first = remaining.keys().next().value as string;
      throw new PyException(
        'TypeError',
        `macro ${pyRepr(this.macroName)} takes no keyword argument ${pyRepr(first)}`,
      );
    }
    let varargs: PyTuple | undefined;
    if (this.catchVarargs) varargs = new PyTuple(args.slice(argCount));
    else if (args.length > argCount) {
      throw new PyException(
        'TypeError',
        `macro ${pyRepr(this.macroName)} takes not more than ${argCount} argument(s)`,
      );
    }

    const state = this.frame.ctx.state;
    state.tick();
    state.enter();
    try {
      const out: string[] = [];
      const frame: Frame = innerFrame(this.frame, scope, out, null);
      const firstDefault = argCount - node.defaults.length;
      node.args.forEach((name, i) => {
        let v = values[i] as PyValue | typeof MISSING;
        if (v === MISSING) {
          if (i >= firstDefault) {
            const dflt = node.defaults[i - firstDefault] as Expr;
            try {
              v = evalExpr(dflt, frame);
            } catch (error) {
              throw convertError(error, frame.tmpl, node.line);
            }
          } else {
            v = new Undefined(name, `parameter ${pyRepr(name)} was not provided`);
          }
        }
        scope.vars.set(name, v);
      });
      if (caller !== undefined) scope.vars.set('caller', caller);
      if (kwargsDict) scope.vars.set('kwargs', kwargsDict);
      if (varargs) scope.vars.set('varargs', varargs);
      execBody(node.body, frame);
      return out.join('');
    } finally {
      state.leave();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Inheritance

/** `self` in a template: its blocks by name. */
class TemplateReference extends PyObject {
  readonly typeName = 'TemplateReference';
  override readonly moduleName = 'jinja2.runtime';

  constructor(private readonly ctx: Context) {
    super();
  }

  getAttr(name: string): PyValue | undefined {
    return this.getItem(name);
  }

  override getItem(key: PyValue): PyValue | undefined {
    if (typeof key !== 'string' || !this.ctx.blocks.has(key)) return undefined;
    return new BlockReference(this.ctx, key, 0);
  }

  override repr(): string {
    return `<TemplateReference ${this.ctx.name === undefined ? 'None' : pyRepr(this.ctx.name)}>`;
  }
}

/** A block as a callable: `self.name()` and `super()`. */
class BlockReference extends PyObject implements PyCallable {
  readonly typeName = 'BlockReference';
  override readonly moduleName = 'jinja2.runtime';

  constructor(
    private readonly ctx: Context,
    readonly pyName: string,
    private readonly index: number,
    /** The locals a scoped block was rendered with: `super()` renders the parent with them too. */
    private readonly scoped: Scope | null = null,
  ) {
    super();
  }

  getAttr(name: string): PyValue | undefined {
    if (name === 'super') return superOf(this.ctx, this.pyName, this.index, this.scoped);
    return undefined;
  }

  override repr(): string {
    return `<BlockReference ${pyRepr(this.pyName)}>`;
  }

  call(args: PyValue[], kwargs: Map<string, PyValue>): PyValue {
    if (args.length > 0 || kwargs.size > 0) {
      throw new PyException('TypeError', 'BlockReference.__call__() takes 1 positional argument');
    }
    const out: string[] = [];
    renderBlock(this.ctx, this.pyName, this.index, this.scoped, out);
    return out.join('');
  }
}

function superOf(ctx: Context, name: string, index: number, scoped: Scope | null): PyValue {
  const stack = ctx.blocks.get(name);
  if (!stack || index + 1 >= stack.length) {
    return new Undefined('super', `there is no parent block called ${pyRepr(name)}.`);
  }
  return new BlockReference(ctx, name, index + 1, scoped);
}

function renderBlock(ctx: Context, name: string, index: number, scoped: Scope | null, out: string[]): void {
  const stack = ctx.blocks.get(name);
  const def = stack?.[index];
  if (!def) return;
  if (def.node.required) {
    throw new PyException('TemplateRuntimeError', `Required block ${pyRepr(name)} not found`);
  }
  const scope = (scoped ?? ctx.root).child();
  scope.vars.set('super', superOf(ctx, name, index, scoped));
  const state = ctx.state;
  state.enter();
  try {
    execBody(def.node.body, {
      scope,
      ctx,
      tmpl: def.tmpl,
      out,
      root: null,
      toplevel: false,
      autoescape: false,
    });
  } finally {
    state.leave();
  }
}

// ---------------------------------------------------------------------------------------------
// include / import

function getTemplate(frame: Frame, name: PyValue): CompiledTemplate {
  if (name instanceof Undefined) return name.fail();
  if (typeof name !== 'string') {
    // Jinja2's DictLoader looks the name up as a dict key: unhashable names raise TypeError.
    if (Array.isArray(name) || name instanceof Map) {
      throw new PyException('TypeError', `unhashable type: '${typeName(name)}'`);
    }
    throw new TemplateNotFound(pyStr(name));
  }
  const tmpl = frame.ctx.state.env.loadTemplate(name);
  if (!tmpl) throw new TemplateNotFound(name);
  return tmpl;
}

/** Jinja2's `get_or_select_template`: a name, or the first template found from an iterable of names. */
function selectTemplate(frame: Frame, names: PyValue, ignoreMissing: boolean): CompiledTemplate | undefined {
  if (typeof names === 'string' || names instanceof Undefined) {
    try {
      return getTemplate(frame, names);
    } catch (error) {
      if (ignoreMissing && error instanceof TemplateNotFound) return undefined;
      throw error;
    }
  }
  if (!isTrue(names)) {
    if (ignoreMissing) return undefined;
    throw new TemplateNotFound('Tried to select from an empty list of templates.');
  }
  const tried: PyValue[] = [];
  for (const n of pyIter(names)) {
    tried.push(n);
    if (typeof n !== 'string') continue;
    const tmpl = frame.ctx.state.env.loadTemplate(n);
    if (tmpl) return tmpl;
  }
  if (ignoreMissing) return undefined;
  throw new TemplateNotFound(
    `none of the templates given were found: ${tried.map((n) => pyStr(n)).join(', ')}`,
  );
}

function execInclude(stmt: Stmt & { kind: 'Include' }, frame: Frame): void {
  const tmpl = selectTemplate(frame, evalExpr(stmt.template, frame), stmt.ignoreMissing);
  if (!tmpl || frame.root?.parentTemplate) return;
  const vars = stmt.withContext ? frame.ctx.flatten(frame.scope) : new Map<string, PyValue>();
  const ctx = new Context(frame.ctx.state, vars, tmpl);
  const state = frame.ctx.state;
  state.enter();
  try {
    renderRoot(ctx, tmpl, frame.out);
  } finally {
    state.leave();
  }
}

/** An imported template: its exported top-level names; `str()` is its output. */
class TemplateModule extends PyObject {
  readonly typeName = 'TemplateModule';
  override readonly moduleName = 'jinja2.environment';

  constructor(
    readonly templateName: string | undefined,
    readonly exports: Map<string, PyValue>,
    private readonly body: string,
  ) {
    super();
  }

  getAttr(name: string): PyValue | undefined {
    return this.exports.get(name);
  }

  override str(): string {
    return this.body;
  }

  override repr(): string {
    return `<Template ${this.templateName === undefined ? 'memory' : pyRepr(this.templateName)}>`;
  }
}

function importModule(frame: Frame, name: PyValue, withContext: boolean): TemplateModule {
  const tmpl = getTemplate(frame, name);
  const state = frame.ctx.state;
  const cached = withContext ? undefined : state.modules.get(tmpl);
  if (cached) return cached;
  const vars = withContext ? frame.ctx.flatten(frame.scope) : new Map<string, PyValue>();
  const ctx = new Context(state, vars, tmpl);
  const out: string[] = [];
  state.enter();
  try {
    renderRoot(ctx, tmpl, out);
  } finally {
    state.leave();
  }
  const exports = new Map<string, PyValue>();
  for (const key of ctx.exported) {
    const v = ctx.vars.get(key);
    if (v !== undefined) exports.set(key, v);
  }
  const module = new TemplateModule(tmpl.name, exports, out.join(''));
  if (!withContext) state.modules.set(tmpl, module);
  return module;
}

// ---------------------------------------------------------------------------------------------
// Expressions

/** Jinja2's `position()` for messages: `line 3 in 'name'`. */
function position(line: number, frame: Frame): string {
  return `line ${line}${frame.tmpl.name === undefined ? '' : ` in ${pyRepr(frame.tmpl.name)}`}`;
}

function lookup(name: string, frame: Frame): PyValue {
  for (let s: Scope | null = frame.scope; s; s = s.parent) {
    const v = s.vars.get(name);
    if (v !== undefined) return v;
  }
  const v = frame.ctx.resolve(name);
  return v === undefined ? new Undefined(name) : v;
}

const BINOPS: Record<string, BinaryOp> = {
  '+': '+',
  '-': '-',
  '*': '*',
  '/': '/',
  '//': '//',
  '%': '%',
  '**': '**',
};
const COMPARE_OPS: Record<string, CompareOperator> = {
  eq: '==',
  ne: '!=',
  lt: '<',
  lteq: '<=',
  gt: '>',
  gteq: '>=',
  in: 'in',
  notin: 'notin',
};

/**
 * Evaluates an expression. Errors are not located here: as in Jinja2's compiled code, they take
 * the line of the statement (or of the printed expression) they happen in.
 */
function evalExpr(expr: Expr, frame: Frame): PyValue {
  switch (expr.kind) {
    case 'Const':
      return expr.value;
    case 'Name':
      return lookup(expr.name, frame);
    case 'NSRef':
      return getAttr(lookup(expr.name, frame), expr.attr, frame.ctx.state);
    case 'Tuple':
      return new PyTuple(expr.items.map((e) => evalExpr(e, frame)));
    case 'List':
      return expr.items.map((e) => evalExpr(e, frame));
    case 'Dict': {
      const map = new Map<PyValue, PyValue>();
      for (const { key, value } of expr.items) dictSet(map, evalExpr(key, frame), evalExpr(value, frame));
      return map;
    }
    case 'CondExpr': {
      if (isTrue(evalExpr(expr.test, frame))) return evalExpr(expr.expr1, frame);
      if (expr.expr2) return evalExpr(expr.expr2, frame);
      const where = position(expr.line, frame);
      const undef = new Undefined(
        '',
        `the inline if-expression on ${where} evaluated to false and no else section was defined.`,
      );
      lenientUndefined.add(undef);
      return undef;
    }
    case 'And': {
      const left = evalExpr(expr.left, frame);
      return isTrue(left) ? evalExpr(expr.right, frame) : left;
    }
    case 'Or': {
      const left = evalExpr(expr.left, frame);
      return isTrue(left) ? left : evalExpr(expr.right, frame);
    }
    case 'Not':
      return !isTrue(evalExpr(expr.node, frame));
    case 'Neg':
      return unop('-', evalExpr(expr.node, frame));
    case 'Pos':
      return unop('+', evalExpr(expr.node, frame));
    case 'BinOp':
      if (expr.op === '**' && isNegatedNumber(expr.left) && !foldsAtCompileTime(expr.right)) {
        // Jinja2 folds `-2` into the constant -2 and writes `(-2 ** x)` into the Python code it
        // generates, which Python reads as -(2 ** x); with a constant exponent the whole power
        // is folded instead, as (-2) ** 2.
        const base = unop('-', evalExpr(expr.left, frame));
        return unop('-', binop(BINOPS['**'] as BinaryOp, base, evalExpr(expr.right, frame)));
      }
      return binop(BINOPS[expr.op] as BinaryOp, evalExpr(expr.left, frame), evalExpr(expr.right, frame));
    case 'Concat': {
      const values = expr.nodes.map((n) => evalExpr(n, frame));
      // Jinja2's markup_join: Markup only when an operand is Markup (the others are escaped).
      // A concatenation of constants is folded at compile time into a plain str.
      if (
        frame.autoescape &&
        values.some((v) => v instanceof Markup) &&
        !expr.nodes.every(foldsAtCompileTime)
      ) {
        return new Markup(values.map(escapedValue).join(''));
      }
      return values.map(outputValue).join('');
    }
    case 'Compare': {
      let left = evalExpr(expr.expr, frame);
      for (const { op, expr: rightExpr } of expr.ops) {
        const right = evalExpr(rightExpr, frame);
        let ok: boolean;
        if (op === 'in') ok = contains(right, left);
        else if (op === 'notin') ok = !contains(right, left);
        else ok = compare(COMPARE_OPS[op] as CompareOperator, left, right);
        if (!ok) return false;
        left = right;
      }
      return true;
    }
    case 'Getattr':
      return getAttr(evalExpr(expr.node, frame), expr.attr, frame.ctx.state);
    case 'Getitem': {
      const obj = evalExpr(expr.node, frame);
      const key = evalExpr(expr.arg, frame);
      if (expr.arg.kind === 'Slice') return sliceOf(obj, key as unknown as PySlice);
      return getItem(obj, key, frame.ctx.state);
    }
    case 'Slice':
      return new PySlice(
        expr.start ? evalExpr(expr.start, frame) : null,
        expr.stop ? evalExpr(expr.stop, frame) : null,
        expr.step ? evalExpr(expr.step, frame) : null,
      ) as unknown as PyValue;
    case 'Call': {
      const callee = evalExpr(expr.node, frame);
      const { args, kwargs } = evalCallArgs(expr, frame);
      return callValue(callee, args, kwargs, frame);
    }
    case 'Filter': {
      const value = expr.node ? evalExpr(expr.node, frame) : null;
      return callFilter(expr, value, frame);
    }
    case 'Test': {
      const test = frame.ctx.state.env.tests.get(expr.name);
      if (!test) throw new PyException('TemplateRuntimeError', `No test named ${pyRepr(expr.name)} found.`);
      const value = evalExpr(expr.node, frame);
      const { args, kwargs } = evalCallArgs(expr, frame);
      return test(frame.ctx.state, value, args, kwargs);
    }
  }
}

/** Whether Jinja2's optimizer folds `expr` to a constant: literals and filters of literals. */
/** `-2`, `-2.5`: a negated int or float literal, which Jinja2 folds into a negative constant. */
function isNegatedNumber(expr: Expr): boolean {
  return (
    expr.kind === 'Neg' &&
    expr.node.kind === 'Const' &&
    (typeof expr.node.value === 'bigint' || typeof expr.node.value === 'number')
  );
}

/** `x[a:b:c]` is a plain Python subscript in Jinja2 (no getitem fallback): errors are TypeErrors. */
function sliceOf(obj: PyValue, slice: PySlice): PyValue {
  if (obj instanceof Undefined) return obj.fail();
  const sliced = sliceValue(obj, slice);
  if (sliced !== undefined) return sliced;
  if (obj instanceof Map) throw new PyException('TypeError', "unhashable type: 'slice'");
  throw new PyException('TypeError', `'${typeName(obj)}' object is not subscriptable`);
}

function callFilter(expr: Expr & { kind: 'Filter' }, value: PyValue, frame: Frame): PyValue {
  const filter = frame.ctx.state.env.filters.get(expr.name);
  if (!filter) throw new PyException('TemplateRuntimeError', `No filter named ${pyRepr(expr.name)} found.`);
  const { args, kwargs } = evalCallArgs(expr, frame);
  // Filters such as join, replace, xmlattr and urlize return Markup inside autoescape blocks.
  const state = frame.ctx.state;
  const outer = state.autoescape;
  state.autoescape = frame.autoescape;
  try {
    return filter(state, value, args, kwargs);
  } finally {
    state.autoescape = outer;
  }
}

function evalCallArgs(
  expr: Expr & { kind: 'Call' | 'Filter' | 'Test' },
  frame: Frame,
): { args: PyValue[]; kwargs: Map<string, PyValue> } {
  const args: PyValue[] = [];
  for (const a of expr.args) args.push(evalExpr(a, frame));
  const kwargs = new Map<string, PyValue>();
  for (const k of expr.kwargs) kwargs.set(k.key, evalExpr(k.value, frame));
  if (expr.dynArgs) {
    const dyn = evalExpr(expr.dynArgs, frame);
    if (dyn instanceof Undefined) dyn.fail();
    for (const item of pyIter(dyn)) {
      frame.ctx.state.tick();
      args.push(item);
    }
  }
  if (expr.dynKwargs) {
    const dyn = evalExpr(expr.dynKwargs, frame);
    if (dyn instanceof Undefined) dyn.fail();
    if (!(dyn instanceof Map)) {
      throw new PyException('TypeError', `argument after ** must be a mapping, not ${typeName(dyn)}`);
    }
    for (const [k, v] of dyn) {
      if (typeof k !== 'string') throw new PyException('TypeError', 'keywords must be strings');
      if (kwargs.has(k))
        throw new PyException('TypeError', `got multiple values for keyword argument ${pyRepr(k)}`);
      kwargs.set(k, v);
    }
  }
  return { args, kwargs };
}

function callValue(callee: PyValue, args: PyValue[], kwargs: Map<string, PyValue>, frame: Frame): PyValue {
  if (callee instanceof Undefined) return callee.fail();
  if (!isCallable(callee)) {
    throw new PyException('TypeError', `'${typeName(callee)}' object is not callable`);
  }
  const rv = callee.call(args, kwargs, frame.ctx.state);
  // A macro called where autoescaping is on returns Markup, as Jinja2's Macro does.
  if (frame.autoescape && callee instanceof Macro && typeof rv === 'string') return new Markup(rv);
  return rv;
}
