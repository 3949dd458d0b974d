/**
 * The syntax tree the parser builds and the runtime walks: Jinja2's `nodes` module as plain
 * tagged objects. Every node carries the 1-based line it starts on.
 */

/** A constant value from a literal (bigint for int, number for float). */
export type ConstValue = string | bigint | number | boolean | null;

/** `name=value` in a call. */
export interface Keyword {
  readonly key: string;
  readonly value: Expr;
}

/** Arguments of a call, filter or test. */
export interface CallArgs {
  readonly args: Expr[];
  readonly kwargs: Keyword[];
  readonly dynArgs: Expr | null;
  readonly dynKwargs: Expr | null;
}

/** An expression node (Jinja2's `nodes.Expr` subclasses). */
export type Expr =
  | { readonly kind: 'Const'; readonly line: number; readonly value: ConstValue }
  | { readonly kind: 'Name'; readonly line: number; readonly name: string }
  | { readonly kind: 'NSRef'; readonly line: number; readonly name: string; readonly attr: string }
  | { readonly kind: 'Tuple'; readonly line: number; readonly items: Expr[] }
  | { readonly kind: 'List'; readonly line: number; readonly items: Expr[] }
  | { readonly kind: 'Dict'; readonly line: number; readonly items: { key: Expr; value: Expr }[] }
  | {
      readonly kind: 'CondExpr';
      readonly line: number;
      readonly test: Expr;
      readonly expr1: Expr;
      readonly expr2: Expr | null;
    }
  | { readonly kind: 'And' | 'Or'; readonly line: number; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'Not' | 'Neg' | 'Pos'; readonly line: number; readonly node: Expr }
  | {
      readonly kind: 'BinOp';
      readonly line: number;
      readonly op: '+' | '-' | '*' | '/' | '//' | '%' | '**';
      readonly left: Expr;
      readonly right: Expr;
    }
  | { readonly kind: 'Concat'; readonly line: number; readonly nodes: Expr[] }
  | {
      readonly kind: 'Compare';
      readonly line: number;
      readonly expr: Expr;
      readonly ops: { op: CompareOp; expr: Expr }[];
    }
  | { readonly kind: 'Getattr'; readonly line: number; readonly node: Expr; readonly attr: string }
  | { readonly kind: 'Getitem'; readonly line: number; readonly node: Expr; readonly arg: Expr }
  | {
      readonly kind: 'Slice';
      readonly line: number;
      readonly start: Expr | null;
      readonly stop: Expr | null;
      readonly step: Expr | null;
    }
  | ({ readonly kind: 'Call'; readonly line: number; readonly node: Expr } & CallArgs)
  | ({
      readonly kind: 'Filter';
      readonly line: number;
      /** null for filter blocks and `set` blocks, where the body is filtered. */
      readonly node: Expr | null;
      readonly name: string;
    } & CallArgs)
  | ({ readonly kind: 'Test'; readonly line: number; readonly node: Expr; readonly name: string } & CallArgs);

/** Comparison operators as Jinja2's `Operand.op` spells them. */
export type CompareOp = 'eq' | 'ne' | 'lt' | 'lteq' | 'gt' | 'gteq' | 'in' | 'notin';

/** An assignment target: a name, a namespace attribute, or a tuple of targets. */
export type Target =
  | { readonly kind: 'Name'; readonly line: number; readonly name: string }
  | { readonly kind: 'NSRef'; readonly line: number; readonly name: string; readonly attr: string }
  | { readonly kind: 'Tuple'; readonly line: number; readonly items: Target[] };

/** A macro's or call block's signature. */
export interface Signature {
  readonly args: string[];
  readonly defaults: Expr[];
}

/** A statement node (Jinja2's `nodes.Stmt` subclasses and `Output`). */
export type Stmt =
  | { readonly kind: 'Output'; readonly line: number; readonly nodes: (Expr | TemplateData)[] }
  | {
      readonly kind: 'If';
      readonly line: number;
      readonly test: Expr;
      readonly body: Stmt[];
      readonly elifs: { line: number; test: Expr; body: Stmt[] }[];
      readonly else_: Stmt[];
    }
  | {
      readonly kind: 'For';
      readonly line: number;
      readonly target: Target;
      readonly iter: Expr;
      readonly body: Stmt[];
      readonly else_: Stmt[];
      readonly test: Expr | null;
      readonly recursive: boolean;
    }
  | { readonly kind: 'Assign'; readonly line: number; readonly target: Target; readonly node: Expr }
  | {
      readonly kind: 'AssignBlock';
      readonly line: number;
      readonly target: Target;
      readonly filter: Expr | null;
      readonly body: Stmt[];
    }
  | {
      readonly kind: 'With';
      readonly line: number;
      readonly targets: Target[];
      readonly values: Expr[];
      readonly body: Stmt[];
    }
  | {
      readonly kind: 'Block';
      readonly line: number;
      readonly name: string;
      readonly scoped: boolean;
      readonly required: boolean;
      readonly body: Stmt[];
    }
  | { readonly kind: 'Extends'; readonly line: number; readonly template: Expr }
  | {
      readonly kind: 'Include';
      readonly line: number;
      readonly template: Expr;
      readonly ignoreMissing: boolean;
      readonly withContext: boolean;
    }
  | {
      readonly kind: 'Import';
      readonly line: number;
      readonly template: Expr;
      readonly target: string;
      readonly withContext: boolean;
    }
  | {
      readonly kind: 'FromImport';
      readonly line: number;
      readonly template: Expr;
      readonly names: { name: string; alias: string }[];
      readonly withContext: boolean;
    }
  | ({
      readonly kind: 'Macro';
      readonly line: number;
      readonly name: string;
      readonly body: Stmt[];
    } & Signature)
  | ({
      readonly kind: 'CallBlock';
      readonly line: number;
      readonly call: Expr & { kind: 'Call' };
      readonly body: Stmt[];
    } & Signature)
  | { readonly kind: 'FilterBlock'; readonly line: number; readonly filter: Expr; readonly body: Stmt[] }
  | {
      readonly kind: 'Scope';
      readonly line: number;
      readonly body: Stmt[];
      /** `{% autoescape expr %}`: output in the body is HTML-escaped while the value is true. */
      readonly autoescape: Expr | null;
    };

/** Literal text between tags. */
export interface TemplateData {
  readonly kind: 'TemplateData';
  readonly line: number;
  readonly data: string;
}

/** A parsed template. */
export interface TemplateNode {
  readonly kind: 'Template';
  readonly body: Stmt[];
  /** Blocks by name, in the order they appear (top-level or nested). */
  readonly blocks: Map<string, Stmt & { kind: 'Block' }>;
  /** Whether an `{% extends %}` appears at the top level (in any position). */
  readonly hasExtends: boolean;
}
