/**
 * The public entry point: an `Environment` configured like Python's
 * `Environment(trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined,
 * keep_trailing_newline=True, autoescape=False)`, sandboxed, with render budgets.
 */
import { LimitError, TemplateNotFound, TemplateSyntaxError } from './errors.ts';
import type { Expr, Stmt, TemplateNode } from './nodes.ts';
import { checkFoldedConstant, foldsAtCompileTime } from './fold.ts';
import { parse } from './parser.ts';
import { DEFAULT_LIMITS, findUndeclared, renderTemplate } from './runtime.ts';
import type { CompiledTemplate, Limits, RuntimeEnvironment } from './runtime.ts';
import { fromJS, pyRepr } from './values.ts';
import type { FilterFunction, PyValue, TestFunction } from './values.ts';
import './methods.ts';
import { BUILTIN_FILTERS } from './filters.ts';
import { BUILTIN_TESTS } from './tests.ts';
import { builtinGlobals } from './globals.ts';

/** Where `extends`, `include` and `import` find templates: the source for a name, or undefined. */
export interface TemplateLoader {
  /** `name` is as written in the template; the loader enforces where templates may come from. */
  load(name: string): string | undefined;
}

/** Options of an `Environment`. */
export interface EnvironmentOptions {
  loader?: TemplateLoader;
  limits?: Partial<Limits>;
  /** Extra filters (Slipway's `to_yaml`, ...), or replacements of builtin ones. */
  filters?: Record<string, FilterFunction>;
  /** Extra tests. */
  tests?: Record<string, TestFunction>;
  /** Extra globals, as Python values. */
  globals?: Record<string, PyValue>;
}

/** The variables a template renders with: Python values by name, or plain JS data. */
export type RenderContext = ReadonlyMap<string, PyValue> | Record<string, unknown>;

const CACHE_LIMIT = 400;

/** A Jinja2 environment: parses (once per name and source) and renders templates. */
export class Environment {
  readonly filters: Map<string, FilterFunction>;
  readonly tests: Map<string, TestFunction>;
  readonly globals: Map<string, PyValue>;
  readonly limits: Limits;
  private readonly loader: TemplateLoader | undefined;
  private readonly cache = new Map<string, CompiledTemplate>();

  constructor(options: EnvironmentOptions = {}) {
    this.loader = options.loader;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.filters = new Map(BUILTIN_FILTERS);
    for (const [k, v] of Object.entries(options.filters ?? {})) this.filters.set(k, v);
    this.tests = new Map(BUILTIN_TESTS);
    for (const [k, v] of Object.entries(options.tests ?? {})) this.tests.set(k, v);
    this.globals = builtinGlobals();
    for (const [k, v] of Object.entries(options.globals ?? {})) this.globals.set(k, v);
  }

  /** Parses `source` (cached by name and source) and checks its filter and test names. */
  compile(source: string, name?: string): CompiledTemplate {
    const key = `${name ?? ''}\u0000${source}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    let node: TemplateNode;
    try {
      node = parse(source, name);
      checkNames(node, name, this.filters, this.tests);
    } catch (error) {
      if (error instanceof RangeError) {
        throw new LimitError('the template nests too deeply to be parsed', { template: name });
      }
      throw error;
    }
    const compiled: CompiledTemplate = { name, node };
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, compiled);
    return compiled;
  }

  /** Renders a template given as source. `name` is used in error messages. */
  renderString(source: string, context: RenderContext = {}, name?: string): string {
    const tmpl = this.compile(source, name);
    return renderTemplate(this.runtime(), tmpl, toVars(context));
  }

  /** Renders the template the loader has under `name`. */
  render(name: string, context: RenderContext = {}): string {
    const runtime = this.runtime();
    const tmpl = runtime.loadTemplate(name);
    if (!tmpl) throw new TemplateNotFound(name);
    return renderTemplate(runtime, tmpl, toVars(context));
  }

  /** A per-render view: loader results are read once per render. */
  private runtime(): RuntimeEnvironment {
    const sources = new Map<string, CompiledTemplate | null>();
    return {
      filters: this.filters,
      tests: this.tests,
      globals: this.globals,
      limits: this.limits,
      loadTemplate: (name: string) => {
        const seen = sources.get(name);
        if (seen !== undefined) return seen ?? undefined;
        const source = this.loader?.load(name);
        const compiled = source === undefined ? undefined : this.compile(source, name);
        sources.set(name, compiled ?? null);
        return compiled;
      },
    };
  }
}

function toVars(context: RenderContext): ReadonlyMap<string, PyValue> {
  if (context instanceof Map) return context as ReadonlyMap<string, PyValue>;
  const vars = new Map<string, PyValue>();
  for (const [k, v] of Object.entries(context)) vars.set(k, fromJS(v));
  return vars;
}

/**
 * Jinja2 fails at compile time for unknown filters and tests, except inside `if` statements and
 * conditional expressions, where the error waits for the runtime.
 */
function checkNames(
  node: TemplateNode,
  name: string | undefined,
  filters: ReadonlyMap<string, FilterFunction>,
  tests: ReadonlyMap<string, TestFunction>,
): void {
  const fail = (kind: string, what: string, line: number): never => {
    throw new TemplateSyntaxError(`No ${kind} named ${pyRepr(what)}.`, { template: name, line });
  };
  // Whether the expression being walked is folded by its parent (see fold.ts).
  let parentFolds = false;
  const expr = (e: Expr | null | undefined, soft: boolean): void => {
    if (!e) return;
    const outer = parentFolds;
    if (!outer) checkFoldedConstant(e, name);
    parentFolds = foldsAtCompileTime(e);
    try {
      exprChildren(e, soft);
    } finally {
      parentFolds = outer;
    }
  };
  const exprChildren = (e: Expr, soft: boolean): void => {
    switch (e.kind) {
      case 'Const':
      case 'Name':
      case 'NSRef':
        return;
      case 'Tuple':
      case 'List':
        for (const i of e.items) expr(i, soft);
        return;
      case 'Dict':
        for (const i of e.items) {
          expr(i.key, soft);
          expr(i.value, soft);
        }
        return;
      case 'CondExpr':
        expr(e.test, true);
        expr(e.expr1, true);
        expr(e.expr2, true);
        return;
      case 'And':
      case 'Or':
      case 'BinOp':
        expr(e.left, soft);
        expr(e.right, soft);
        return;
      case 'Not':
      case 'Neg':
      case 'Pos':
      case 'Getattr':
        expr(e.node, soft);
        return;
      case 'Concat':
        for (const n of e.nodes) expr(n, soft);
        return;
      case 'Compare':
        expr(e.expr, soft);
        for (const o of e.ops) expr(o.expr, soft);
        return;
      case 'Getitem':
        expr(e.node, soft);
        expr(e.arg, soft);
        return;
      case 'Slice':
        expr(e.start, soft);
        expr(e.stop, soft);
        expr(e.step, soft);
        return;
      case 'Filter':
      case 'Test':
        if (!soft) {
          if (e.kind === 'Filter' && !filters.has(e.name)) fail('filter', e.name, e.line);
          if (e.kind === 'Test' && !tests.has(e.name)) fail('test', e.name, e.line);
        }
        expr(e.node, soft);
        for (const a of e.args) expr(a, soft);
        for (const k of e.kwargs) expr(k.value, soft);
        expr(e.dynArgs, soft);
        expr(e.dynKwargs, soft);
        return;
      case 'Call':
        expr(e.node, soft);
        for (const a of e.args) expr(a, soft);
        for (const k of e.kwargs) expr(k.value, soft);
        expr(e.dynArgs, soft);
        expr(e.dynKwargs, soft);
        return;
    }
  };
  const checkCaller = (s: Stmt & { kind: 'Macro' | 'CallBlock' }): void => {
    const i = s.args.indexOf('caller');
    if (i >= 0 && i < s.args.length - s.defaults.length && findUndeclared(s.body, ['caller']).has('caller')) {
      throw new TemplateSyntaxError(
        'When defining macros or call blocks the special "caller" argument must be omitted or be given a default.',
        { template: name, line: s.line },
      );
    }
  };
  const stmts = (body: readonly Stmt[], soft: boolean): void => {
    for (const s of body) {
      switch (s.kind) {
        case 'Output':
          for (const n of s.nodes) if (n.kind !== 'TemplateData') expr(n, soft);
          break;
        case 'If':
          expr(s.test, true);
          stmts(s.body, true);
          for (const e of s.elifs) {
            expr(e.test, true);
            stmts(e.body, true);
          }
          stmts(s.else_, true);
          break;
        case 'For':
          expr(s.iter, soft);
          expr(s.test, false);
          stmts(s.body, false);
          stmts(s.else_, false);
          break;
        case 'Assign':
          expr(s.node, soft);
          break;
        case 'AssignBlock':
          expr(s.filter, false);
          stmts(s.body, false);
          break;
        case 'With':
          for (const v of s.values) expr(v, soft);
          stmts(s.body, false);
          break;
        case 'Macro':
          checkCaller(s);
          for (const d of s.defaults) expr(d, false);
          stmts(s.body, false);
          break;
        case 'CallBlock':
          checkCaller(s);
          if (s.call.kwargs.some((k) => k.key === 'caller')) {
            // Jinja2 passes the body as `caller=`: Python rejects the generated call.
            throw new TemplateSyntaxError('keyword argument repeated: caller', {
              template: name,
              line: s.line,
            });
          }
          expr(s.call, soft);
          for (const d of s.defaults) expr(d, false);
          stmts(s.body, false);
          break;
        case 'FilterBlock':
          expr(s.filter, false);
          stmts(s.body, false);
          break;
        case 'Block':
          stmts(s.body, false);
          break;
        case 'Scope':
          stmts(s.body, false);
          break;
        case 'Extends':
        case 'Include':
        case 'Import':
        case 'FromImport':
          expr(s.template, soft);
          break;
      }
    }
  };
  stmts(node.body, false);
}
