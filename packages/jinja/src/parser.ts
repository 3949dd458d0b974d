/**
 * Jinja2's parser (jinja2/parser.py 3.1) over our token stream: the same grammar, precedence and
 * error messages, for the default environment (no extensions, so no `do`, `break`, `continue`).
 */
import { TemplateSyntaxError } from './errors.ts';
import { TokenStream, describeToken, describeTokenExpr, tokenize } from './lexer.ts';
import type {
  CallArgs,
  CompareOp,
  Expr,
  Keyword,
  Signature,
  Stmt,
  Target,
  TemplateData,
  TemplateNode,
} from './nodes.ts';

const STATEMENT_KEYWORDS = new Set([
  'for',
  'if',
  'block',
  'extends',
  'print',
  'macro',
  'include',
  'from',
  'import',
  'set',
  'with',
  'autoescape',
]);
const COMPARE_OPERATORS = new Set(['eq', 'ne', 'lt', 'lteq', 'gt', 'gteq']);
const MATH1: Record<string, '+' | '-'> = { add: '+', sub: '-' };
const MATH2: Record<string, '*' | '/' | '//' | '%'> = { mul: '*', div: '/', floordiv: '//', mod: '%' };
const RESERVED_NAMES = new Set(['true', 'false', 'none', 'True', 'False', 'None']);

type AnyNode = Expr | Target;

/** Parses `source` into a template tree; throws `TemplateSyntaxError` with the line. */
export function parse(source: string, name?: string): TemplateNode {
  return new Parser(source, name).parse();
}

class Parser {
  private readonly stream: TokenStream;
  private readonly tagStack: string[] = [];
  private readonly endTokenStack: string[][] = [];

  constructor(
    source: string,
    private readonly name: string | undefined,
  ) {
    this.stream = new TokenStream(tokenize(source), name);
  }

  private fail(message: string, line: number = this.stream.current.line): never {
    throw new TemplateSyntaxError(message, { template: this.name, line });
  }

  private failUtEof(name: string | null, endTokenStack: string[][], line: number): never {
    const expected = new Set<string>();
    for (const exprs of endTokenStack) for (const e of exprs) expected.add(describeTokenExpr(e));
    const top = endTokenStack[endTokenStack.length - 1];
    const currentlyLooking = top ? top.map((e) => `'${describeTokenExpr(e)}'`).join(' or ') : null;
    const message = [name === null ? 'Unexpected end of template.' : `Encountered unknown tag '${name}'.`];
    if (currentlyLooking) {
      if (name !== null && expected.has(name)) {
        message.push(
          `You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for ${currentlyLooking}.`,
        );
      } else {
        message.push(`Jinja was looking for the following tags: ${currentlyLooking}.`);
      }
    }
    const innermost = this.tagStack[this.tagStack.length - 1];
    if (innermost !== undefined) {
      message.push(`The innermost block that needs to be closed is '${innermost}'.`);
    }
    this.fail(message.join(' '), line);
  }

  private failEof(endTokens: string[] | null, line: number): never {
    const stack = [...this.endTokenStack];
    if (endTokens) stack.push(endTokens);
    this.failUtEof(null, stack, line);
  }

  /** The current token's type, read afresh (the stream moves under narrowing). */
  private currentType(): string {
    return this.stream.current.type;
  }

  private isTupleEnd(extraEndRules: string[] | null): boolean {
    const type = this.stream.current.type;
    if (type === 'variable_end' || type === 'block_end' || type === 'rparen') return true;
    if (extraEndRules) return this.stream.testAny(...extraEndRules);
    return false;
  }

  parse(): TemplateNode {
    const body = this.subparse(null);
    const blocks = new Map<string, Stmt & { kind: 'Block' }>();
    let hasExtends = false;
    const walk = (stmts: Stmt[], top: boolean): void => {
      for (const s of stmts) {
        if (s.kind === 'Block') {
          if (blocks.has(s.name)) this.fail(`block '${s.name}' defined twice`, s.line);
          blocks.set(s.name, s);
        }
        if (s.kind === 'Extends') {
          if (!top) this.fail('cannot use extend from a non top-level scope', s.line);
          hasExtends = true;
        }
        for (const child of childStatements(s)) walk(child.body, top && (s.kind === 'If' || child.sameLevel));
      }
    };
    walk(body, true);
    return { kind: 'Template', body, blocks, hasExtends };
  }

  private parseStatement(): Stmt | Stmt[] {
    const token = this.stream.current;
    if (token.type !== 'name') this.fail('tag name expected', token.line);
    const tag = String(token.value);
    this.tagStack.push(tag);
    let popTag = true;
    try {
      if (STATEMENT_KEYWORDS.has(tag)) {
        switch (tag) {
          case 'for':
            return this.parseFor();
          case 'if':
            return this.parseIf();
          case 'block':
            return this.parseBlock();
          case 'extends':
            return this.parseExtends();
          case 'print':
            return this.parsePrint();
          case 'macro':
            return this.parseMacro();
          case 'include':
            return this.parseInclude();
          case 'from':
            return this.parseFrom();
          case 'import':
            return this.parseImport();
          case 'set':
            return this.parseSet();
          case 'with':
            return this.parseWith();
          default:
            return this.parseAutoescape();
        }
      }
      if (tag === 'call') return this.parseCallBlock();
      if (tag === 'filter') return this.parseFilterBlock();
      this.tagStack.pop();
      popTag = false;
      return this.failUtEof(tag, this.endTokenStack, token.line);
    } finally {
      if (popTag) this.tagStack.pop();
    }
  }

  private parseStatements(endTokens: string[], dropNeedle = false): Stmt[] {
    this.stream.skipIf('colon');
    this.stream.expect('block_end');
    const result = this.subparse(endTokens);
    if (this.stream.current.type === 'eof') this.failEof(endTokens, this.stream.current.line);
    if (dropNeedle) this.stream.next();
    return result;
  }

  private parseSet(): Stmt {
    const line = this.stream.next().line;
    const target = this.parseAssignTarget({ withNamespace: true });
    if (this.stream.skipIf('assign')) {
      const node = this.parseTuple({});
      return { kind: 'Assign', line, target, node };
    }
    const filter = this.parseFilter(null);
    const body = this.parseStatements(['name:endset'], true);
    return { kind: 'AssignBlock', line, target, filter, body };
  }

  private parseFor(): Stmt {
    const line = this.stream.expect('name:for').line;
    const target = this.parseAssignTarget({ extraEndRules: ['name:in'] });
    this.stream.expect('name:in');
    const iter = this.parseTuple({ withCondexpr: false, extraEndRules: ['name:recursive'] });
    let test: Expr | null = null;
    if (this.stream.skipIf('name:if')) test = this.parseExpression();
    const recursive = this.stream.skipIf('name:recursive');
    const body = this.parseStatements(['name:endfor', 'name:else']);
    let else_: Stmt[] = [];
    if (this.stream.next().value !== 'endfor') else_ = this.parseStatements(['name:endfor'], true);
    const stores: string[] = [];
    collectStores(target, stores);
    if (stores.includes('loop'))
      this.fail("Can't assign to special loop variable in for-loop target", target.line);
    return { kind: 'For', line, target, iter, body, else_, test, recursive };
  }

  private parseIf(): Stmt {
    const line = this.stream.expect('name:if').line;
    const test = this.parseTuple({ withCondexpr: false });
    const body = this.parseStatements(['name:elif', 'name:else', 'name:endif']);
    const elifs: { line: number; test: Expr; body: Stmt[] }[] = [];
    let else_: Stmt[] = [];
    for (;;) {
      const token = this.stream.next();
      if (token.type === 'name' && token.value === 'elif') {
        const elifLine = this.stream.current.line;
        const elifTest = this.parseTuple({ withCondexpr: false });
        const elifBody = this.parseStatements(['name:elif', 'name:else', 'name:endif']);
        elifs.push({ line: elifLine, test: elifTest, body: elifBody });
        continue;
      }
      if (token.type === 'name' && token.value === 'else') {
        else_ = this.parseStatements(['name:endif'], true);
      }
      break;
    }
    return { kind: 'If', line, test, body, elifs, else_ };
  }

  private parseWith(): Stmt {
    const line = this.stream.next().line;
    const targets: Target[] = [];
    const values: Expr[] = [];
    while (this.stream.current.type !== 'block_end') {
      if (targets.length > 0) this.stream.expect('comma');
      targets.push(this.parseAssignTarget({}));
      this.stream.expect('assign');
      values.push(this.parseExpression());
    }
    const body = this.parseStatements(['name:endwith'], true);
    return { kind: 'With', line, targets, values, body };
  }

  private parseAutoescape(): Stmt {
    const line = this.stream.next().line;
    const autoescape = this.parseExpression();
    const body = this.parseStatements(['name:endautoescape'], true);
    return { kind: 'Scope', line, body, autoescape };
  }

  private parseBlock(): Stmt {
    const line = this.stream.next().line;
    const name = String(this.stream.expect('name').value);
    const scoped = this.stream.skipIf('name:scoped');
    const required = this.stream.skipIf('name:required');
    if (this.stream.current.type === 'sub') {
      this.fail(
        'Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.',
      );
    }
    const body = this.parseStatements(['name:endblock'], true);
    if (required) {
      for (const node of body) {
        if (
          node.kind !== 'Output' ||
          node.nodes.some((n) => n.kind !== 'TemplateData' || !/^\s+$/.test(n.data))
        ) {
          this.fail('Required blocks can only contain comments or whitespace');
        }
      }
    }
    this.stream.skipIf(`name:${name}`);
    return { kind: 'Block', line, name, scoped, required, body };
  }

  private parseExtends(): Stmt {
    const line = this.stream.next().line;
    return { kind: 'Extends', line, template: this.parseExpression() };
  }

  private parseImportContext(dflt: boolean): boolean {
    if (this.stream.testAny('name:with', 'name:without') && this.isNext('name:context')) {
      const withContext = this.stream.next().value === 'with';
      this.stream.skip();
      return withContext;
    }
    return dflt;
  }

  private isNext(expr: string): boolean {
    return this.stream.test(expr, this.stream.look());
  }

  private parseInclude(): Stmt {
    const line = this.stream.next().line;
    const template = this.parseExpression();
    let ignoreMissing = false;
    if (this.stream.test('name:ignore') && this.isNext('name:missing')) {
      ignoreMissing = true;
      this.stream.skip(2);
    }
    const withContext = this.parseImportContext(true);
    return { kind: 'Include', line, template, ignoreMissing, withContext };
  }

  private parseImport(): Stmt {
    const line = this.stream.next().line;
    const template = this.parseExpression();
    this.stream.expect('name:as');
    const target = String(this.stream.expect('name').value);
    this.checkAssignableName(target, line);
    const withContext = this.parseImportContext(false);
    return { kind: 'Import', line, template, target, withContext };
  }

  private checkAssignableName(name: string, line: number): void {
    if (RESERVED_NAMES.has(name)) this.fail("can't assign to 'const'", line);
  }

  private parseFrom(): Stmt {
    const line = this.stream.next().line;
    const template = this.parseExpression();
    this.stream.expect('name:import');
    const names: { name: string; alias: string }[] = [];
    let withContext: boolean | undefined;
    const parseContext = (): boolean => {
      const v = this.stream.current.value;
      if ((v === 'with' || v === 'without') && this.isNext('name:context')) {
        withContext = this.stream.next().value === 'with';
        this.stream.skip();
        return true;
      }
      return false;
    };
    for (;;) {
      if (names.length > 0) this.stream.expect('comma');
      if (this.stream.current.type === 'name') {
        if (parseContext()) break;
        const targetToken = this.stream.expect('name');
        const target = String(targetToken.value);
        this.checkAssignableName(target, targetToken.line);
        if (target.startsWith('_')) {
          this.fail('names starting with an underline can not be imported', targetToken.line);
        }
        if (this.stream.skipIf('name:as')) {
          const aliasToken = this.stream.expect('name');
          this.checkAssignableName(String(aliasToken.value), aliasToken.line);
          names.push({ name: target, alias: String(aliasToken.value) });
        } else {
          names.push({ name: target, alias: target });
        }
        if (parseContext() || this.currentType() !== 'comma') break;
      } else {
        this.stream.expect('name');
      }
    }
    return { kind: 'FromImport', line, template, names, withContext: withContext ?? false };
  }

  private parseSignature(): Signature {
    const args: string[] = [];
    const defaults: Expr[] = [];
    this.stream.expect('lparen');
    while (this.stream.current.type !== 'rparen') {
      if (args.length > 0) this.stream.expect('comma');
      const token = this.stream.expect('name');
      this.checkAssignableName(String(token.value), token.line);
      if (this.stream.skipIf('assign')) defaults.push(this.parseExpression());
      else if (defaults.length > 0) this.fail('non-default argument follows default argument');
      args.push(String(token.value));
    }
    this.stream.expect('rparen');
    return { args, defaults };
  }

  private parseCallBlock(): Stmt {
    const line = this.stream.next().line;
    const sig = this.stream.current.type === 'lparen' ? this.parseSignature() : { args: [], defaults: [] };
    const call = this.parseExpression();
    if (call.kind !== 'Call') this.fail('expected call', line);
    const body = this.parseStatements(['name:endcall'], true);
    return { kind: 'CallBlock', line, call, body, ...sig };
  }

  private parseFilterBlock(): Stmt {
    const line = this.stream.next().line;
    const filter = this.parseFilter(null, true) as Expr;
    const body = this.parseStatements(['name:endfilter'], true);
    return { kind: 'FilterBlock', line, filter, body };
  }

  private parseMacro(): Stmt {
    const line = this.stream.next().line;
    const nameToken = this.stream.expect('name');
    this.checkAssignableName(String(nameToken.value), nameToken.line);
    const sig = this.parseSignature();
    const body = this.parseStatements(['name:endmacro'], true);
    return { kind: 'Macro', line, name: String(nameToken.value), body, ...sig };
  }

  private parsePrint(): Stmt {
    const line = this.stream.next().line;
    const nodes: Expr[] = [];
    while (this.stream.current.type !== 'block_end') {
      if (nodes.length > 0) this.stream.expect('comma');
      nodes.push(this.parseExpression());
    }
    return { kind: 'Output', line, nodes };
  }

  private parseAssignTarget(opts: {
    withTuple?: boolean;
    extraEndRules?: string[];
    withNamespace?: boolean;
  }): Target {
    const target: AnyNode =
      opts.withTuple === false
        ? this.parsePrimary(opts.withNamespace ?? false)
        : this.parseTuple({
            simplified: true,
            extraEndRules: opts.extraEndRules ?? null,
            withNamespace: opts.withNamespace ?? false,
          });
    if (!canAssign(target)) this.fail(`can't assign to '${target.kind.toLowerCase()}'`, target.line);
    return target as Target;
  }

  parseExpression(withCondexpr = true): Expr {
    return withCondexpr ? this.parseCondexpr() : this.parseOr();
  }

  private parseCondexpr(): Expr {
    let line = this.stream.current.line;
    let expr1 = this.parseOr();
    while (this.stream.skipIf('name:if')) {
      const expr2 = this.parseOr();
      const expr3 = this.stream.skipIf('name:else') ? this.parseCondexpr() : null;
      expr1 = { kind: 'CondExpr', line, test: expr2, expr1, expr2: expr3 };
      line = this.stream.current.line;
    }
    return expr1;
  }

  private parseOr(): Expr {
    let line = this.stream.current.line;
    let left = this.parseAnd();
    while (this.stream.skipIf('name:or')) {
      const right = this.parseAnd();
      left = { kind: 'Or', line, left, right };
      line = this.stream.current.line;
    }
    return left;
  }

  private parseAnd(): Expr {
    let line = this.stream.current.line;
    let left = this.parseNot();
    while (this.stream.skipIf('name:and')) {
      const right = this.parseNot();
      left = { kind: 'And', line, left, right };
      line = this.stream.current.line;
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.stream.test('name:not')) {
      const line = this.stream.next().line;
      return { kind: 'Not', line, node: this.parseNot() };
    }
    return this.parseCompare();
  }

  private parseCompare(): Expr {
    let line = this.stream.current.line;
    const expr = this.parseMath1();
    const ops: { op: CompareOp; expr: Expr }[] = [];
    for (;;) {
      const type = this.stream.current.type;
      if (COMPARE_OPERATORS.has(type)) {
        this.stream.next();
        ops.push({ op: type as CompareOp, expr: this.parseMath1() });
      } else if (this.stream.skipIf('name:in')) {
        ops.push({ op: 'in', expr: this.parseMath1() });
      } else if (this.stream.test('name:not') && this.isNext('name:in')) {
        this.stream.skip(2);
        ops.push({ op: 'notin', expr: this.parseMath1() });
      } else {
        break;
      }
      line = this.stream.current.line;
    }
    if (ops.length === 0) return expr;
    return { kind: 'Compare', line, expr, ops };
  }

  private parseMath1(): Expr {
    let line = this.stream.current.line;
    let left = this.parseConcat();
    for (let op = MATH1[this.stream.current.type]; op !== undefined; op = MATH1[this.stream.current.type]) {
      this.stream.next();
      const right = this.parseConcat();
      left = { kind: 'BinOp', line, op, left, right };
      line = this.stream.current.line;
    }
    return left;
  }

  private parseConcat(): Expr {
    const line = this.stream.current.line;
    const args = [this.parseMath2()];
    while (this.stream.current.type === 'tilde') {
      this.stream.next();
      args.push(this.parseMath2());
    }
    if (args.length === 1) return args[0] as Expr;
    return { kind: 'Concat', line, nodes: args };
  }

  private parseMath2(): Expr {
    let line = this.stream.current.line;
    let left = this.parsePow();
    for (let op = MATH2[this.stream.current.type]; op !== undefined; op = MATH2[this.stream.current.type]) {
      this.stream.next();
      const right = this.parsePow();
      left = { kind: 'BinOp', line, op, left, right };
      line = this.stream.current.line;
    }
    return left;
  }

  private parsePow(): Expr {
    let line = this.stream.current.line;
    let left = this.parseUnary();
    while (this.stream.current.type === 'pow') {
      this.stream.next();
      const right = this.parseUnary();
      left = { kind: 'BinOp', line, op: '**', left, right };
      line = this.stream.current.line;
    }
    return left;
  }

  private parseUnary(withFilter = true): Expr {
    const type = this.stream.current.type;
    const line = this.stream.current.line;
    let node: Expr;
    if (type === 'sub') {
      this.stream.next();
      node = { kind: 'Neg', line, node: this.parseUnary(false) };
    } else if (type === 'add') {
      this.stream.next();
      node = { kind: 'Pos', line, node: this.parseUnary(false) };
    } else {
      node = this.parsePrimary();
    }
    node = this.parsePostfix(node);
    if (withFilter) node = this.parseFilterExpr(node);
    return node;
  }

  private parsePrimary(withNamespace = false): Expr {
    const token = this.stream.current;
    const line = token.line;
    if (token.type === 'name') {
      this.stream.next();
      const v = token.value as string;
      if (v === 'true' || v === 'True') return { kind: 'Const', line, value: true };
      if (v === 'false' || v === 'False') return { kind: 'Const', line, value: false };
      if (v === 'none' || v === 'None') return { kind: 'Const', line, value: null };
      if (withNamespace && this.stream.current.type === 'dot') {
        this.stream.next();
        const attr = this.stream.expect('name');
        return { kind: 'NSRef', line, name: v, attr: String(attr.value) };
      }
      return { kind: 'Name', line, name: v };
    }
    if (token.type === 'string') {
      this.stream.next();
      let value = token.value as string;
      while (this.stream.current.type === 'string') {
        value += this.stream.current.value as string;
        this.stream.next();
      }
      return { kind: 'Const', line, value };
    }
    if (token.type === 'integer' || token.type === 'float') {
      this.stream.next();
      return { kind: 'Const', line, value: token.value as bigint | number };
    }
    if (token.type === 'lparen') {
      this.stream.next();
      const node = this.parseTuple({ explicitParentheses: true });
      this.stream.expect('rparen');
      return node;
    }
    if (token.type === 'lbracket') return this.parseList();
    if (token.type === 'lbrace') return this.parseDict();
    return this.fail(`unexpected '${describeToken(token)}'`, token.line);
  }

  private parseTuple(opts: {
    simplified?: boolean;
    withCondexpr?: boolean;
    extraEndRules?: string[] | null;
    explicitParentheses?: boolean;
    withNamespace?: boolean;
  }): Expr {
    let line = this.stream.current.line;
    const parseOne = opts.simplified
      ? (): Expr => this.parsePrimary(opts.withNamespace ?? false)
      : (): Expr => this.parseExpression(opts.withCondexpr ?? true);
    const args: Expr[] = [];
    let isTuple = false;
    for (;;) {
      if (args.length > 0) this.stream.expect('comma');
      if (this.isTupleEnd(opts.extraEndRules ?? null)) break;
      args.push(parseOne());
      if (this.stream.current.type === 'comma') isTuple = true;
      else break;
      line = this.stream.current.line;
    }
    if (!isTuple) {
      if (args.length > 0) return args[0] as Expr;
      if (!opts.explicitParentheses) {
        this.fail(`Expected an expression, got '${describeToken(this.stream.current)}'`);
      }
    }
    return { kind: 'Tuple', line, items: args };
  }

  private parseList(): Expr {
    const token = this.stream.expect('lbracket');
    const items: Expr[] = [];
    while (this.stream.current.type !== 'rbracket') {
      if (items.length > 0) this.stream.expect('comma');
      if (this.stream.current.type === 'rbracket') break;
      items.push(this.parseExpression());
    }
    this.stream.expect('rbracket');
    return { kind: 'List', line: token.line, items };
  }

  private parseDict(): Expr {
    const token = this.stream.expect('lbrace');
    const items: { key: Expr; value: Expr }[] = [];
    while (this.stream.current.type !== 'rbrace') {
      if (items.length > 0) this.stream.expect('comma');
      if (this.stream.current.type === 'rbrace') break;
      const key = this.parseExpression();
      this.stream.expect('colon');
      const value = this.parseExpression();
      items.push({ key, value });
    }
    this.stream.expect('rbrace');
    return { kind: 'Dict', line: token.line, items };
  }

  private parsePostfix(node: Expr): Expr {
    for (;;) {
      const type = this.stream.current.type;
      if (type === 'dot' || type === 'lbracket') node = this.parseSubscript(node);
      else if (type === 'lparen') node = this.parseCall(node);
      else return node;
    }
  }

  private parseFilterExpr(node: Expr): Expr {
    for (;;) {
      const type = this.stream.current.type;
      if (type === 'pipe') node = this.parseFilter(node) as Expr;
      else if (type === 'name' && this.stream.current.value === 'is') node = this.parseTest(node);
      else if (type === 'lparen') node = this.parseCall(node);
      else return node;
    }
  }

  private parseSubscript(node: Expr): Expr {
    const token = this.stream.next();
    if (token.type === 'dot') {
      const attrToken = this.stream.current;
      this.stream.next();
      if (attrToken.type === 'name') {
        return { kind: 'Getattr', line: token.line, node, attr: String(attrToken.value) };
      }
      if (attrToken.type !== 'integer') this.fail('expected name or number', attrToken.line);
      const arg: Expr = { kind: 'Const', line: attrToken.line, value: attrToken.value as bigint };
      return { kind: 'Getitem', line: token.line, node, arg };
    }
    const args: Expr[] = [];
    while (this.stream.current.type !== 'rbracket') {
      if (args.length > 0) this.stream.expect('comma');
      args.push(this.parseSubscribed());
    }
    this.stream.expect('rbracket');
    const arg: Expr =
      args.length === 1 ? (args[0] as Expr) : { kind: 'Tuple', line: token.line, items: args };
    return { kind: 'Getitem', line: token.line, node, arg };
  }

  private parseSubscribed(): Expr {
    const line = this.stream.current.line;
    const args: (Expr | null)[] = [];
    if (this.stream.current.type === 'colon') {
      this.stream.next();
      args.push(null);
    } else {
      const node = this.parseExpression();
      if (this.stream.current.type !== 'colon') return node;
      this.stream.next();
      args.push(node);
    }
    const type = this.currentType();
    if (type === 'colon') args.push(null);
    else if (type !== 'rbracket' && type !== 'comma') args.push(this.parseExpression());
    else args.push(null);
    if (this.currentType() === 'colon') {
      this.stream.next();
      const t = this.currentType();
      args.push(t !== 'rbracket' && t !== 'comma' ? this.parseExpression() : null);
    } else {
      args.push(null);
    }
    return { kind: 'Slice', line, start: args[0] ?? null, stop: args[1] ?? null, step: args[2] ?? null };
  }

  private parseCallArgs(): CallArgs {
    const token = this.stream.expect('lparen');
    const args: Expr[] = [];
    const kwargs: Keyword[] = [];
    let dynArgs: Expr | null = null;
    let dynKwargs: Expr | null = null;
    let requireComma = false;
    const ensure = (ok: boolean): void => {
      if (!ok) this.fail('invalid syntax for function call expression', token.line);
    };
    while (this.stream.current.type !== 'rparen') {
      if (requireComma) {
        this.stream.expect('comma');
        if (this.stream.current.type === 'rparen') break;
      }
      if (this.stream.current.type === 'mul') {
        ensure(dynArgs === null && dynKwargs === null);
        this.stream.next();
        dynArgs = this.parseExpression();
      } else if (this.stream.current.type === 'pow') {
        ensure(dynKwargs === null);
        this.stream.next();
        dynKwargs = this.parseExpression();
      } else if (this.stream.current.type === 'name' && this.stream.look().type === 'assign') {
        ensure(dynKwargs === null);
        const key = String(this.stream.current.value);
        this.stream.skip(2);
        kwargs.push({ key, value: this.parseExpression() });
      } else {
        ensure(dynArgs === null && dynKwargs === null && kwargs.length === 0);
        args.push(this.parseExpression());
      }
      requireComma = true;
    }
    this.stream.expect('rparen');
    return { args, kwargs, dynArgs, dynKwargs };
  }

  private parseCall(node: Expr): Expr {
    const line = this.stream.current.line;
    return { kind: 'Call', line, node, ...this.parseCallArgs() };
  }

  private parseFilter(node: Expr | null, startInline = false): Expr | null {
    while (this.stream.current.type === 'pipe' || startInline) {
      if (!startInline) this.stream.next();
      const token = this.stream.expect('name');
      let name = String(token.value);
      while (this.stream.current.type === 'dot') {
        this.stream.next();
        name += '.' + String(this.stream.expect('name').value);
      }
      const callArgs: CallArgs =
        this.stream.current.type === 'lparen'
          ? this.parseCallArgs()
          : { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
      node = { kind: 'Filter', line: token.line, node, name, ...callArgs };
      startInline = false;
    }
    return node;
  }

  private parseTest(node: Expr): Expr {
    const token = this.stream.next();
    let negated = false;
    if (this.stream.test('name:not')) {
      this.stream.next();
      negated = true;
    }
    let name = String(this.stream.expect('name').value);
    while (this.stream.current.type === 'dot') {
      this.stream.next();
      name += '.' + String(this.stream.expect('name').value);
    }
    let callArgs: CallArgs = { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
    const type = this.stream.current.type;
    if (type === 'lparen') {
      callArgs = this.parseCallArgs();
    } else if (
      ['name', 'string', 'integer', 'float', 'lparen', 'lbracket', 'lbrace'].includes(type) &&
      !this.stream.testAny('name:else', 'name:or', 'name:and')
    ) {
      if (this.stream.test('name:is')) this.fail('You cannot chain multiple tests with is');
      const arg = this.parsePostfix(this.parsePrimary());
      callArgs = { args: [arg], kwargs: [], dynArgs: null, dynKwargs: null };
    }
    const test: Expr = { kind: 'Test', line: token.line, node, name, ...callArgs };
    return negated ? { kind: 'Not', line: token.line, node: test } : test;
  }

  private subparse(endTokens: string[] | null): Stmt[] {
    const body: Stmt[] = [];
    let dataBuffer: (Expr | TemplateData)[] = [];
    if (endTokens) this.endTokenStack.push(endTokens);
    const flush = (): void => {
      if (dataBuffer.length > 0) {
        body.push({ kind: 'Output', line: (dataBuffer[0] as Expr | TemplateData).line, nodes: dataBuffer });
        dataBuffer = [];
      }
    };
    try {
      while (this.stream.current.type !== 'eof') {
        const token = this.stream.current;
        if (token.type === 'data') {
          if (token.value)
            dataBuffer.push({ kind: 'TemplateData', line: token.line, data: token.value as string });
          this.stream.next();
        } else if (token.type === 'variable_begin') {
          this.stream.next();
          dataBuffer.push(this.parseTuple({ withCondexpr: true }));
          this.stream.expect('variable_end');
        } else if (token.type === 'block_begin') {
          flush();
          this.stream.next();
          if (endTokens && this.stream.testAny(...endTokens)) return body;
          const rv = this.parseStatement();
          if (Array.isArray(rv)) body.push(...rv);
          else body.push(rv);
          this.stream.expect('block_end');
        } else {
          throw new Error('internal parsing error');
        }
      }
      flush();
    } finally {
      if (endTokens) this.endTokenStack.pop();
    }
    return body;
  }
}

function canAssign(node: AnyNode): boolean {
  if (node.kind === 'Name') return !RESERVED_NAMES.has(node.name);
  if (node.kind === 'NSRef') return true;
  if (node.kind === 'Tuple') return node.items.every((i) => canAssign(i));
  return false;
}

/** The names a target binds. */
export function collectStores(target: Target, out: string[]): void {
  if (target.kind === 'Name') out.push(target.name);
  else if (target.kind === 'Tuple') for (const t of target.items) collectStores(t, out);
}

/** Nested statement lists of a statement; `sameLevel` is false where Jinja2 opens a new frame. */
export function childStatements(s: Stmt): { body: Stmt[]; sameLevel: boolean }[] {
  switch (s.kind) {
    case 'If':
      return [
        { body: s.body, sameLevel: false },
        ...s.elifs.map((e) => ({ body: e.body, sameLevel: false })),
        { body: s.else_, sameLevel: false },
      ];
    case 'For':
      return [
        { body: s.body, sameLevel: false },
        { body: s.else_, sameLevel: false },
      ];
    case 'AssignBlock':
    case 'With':
    case 'Block':
    case 'Macro':
    case 'CallBlock':
    case 'FilterBlock':
    case 'Scope':
      return [{ body: s.body, sameLevel: false }];
    default:
      return [];
  }
}
