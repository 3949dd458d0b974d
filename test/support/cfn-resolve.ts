// Resolves the intrinsic functions of the generated template offline, the way CloudFormation would
// for given parameter values, so tests can read a role's trust and permission policies as the
// concrete JSON IAM will hold. It covers exactly the intrinsics infra/template.ts emits and throws
// on anything else, so a new intrinsic cannot slip through unresolved.

export interface ResolveContext {
  parameters: Record<string, string>;
  accountId?: string;
  region?: string;
  partition?: string;
  stackName?: string;
  /** What `Ref` of a resource returns (a bucket's name, a provider's ARN …); default: the logical ID. */
  resourceRefs?: Record<string, string>;
  /** What `Fn::GetAtt` returns, keyed `Logical.Attribute`; default: a synthetic ARN. */
  resourceAttributes?: Record<string, string>;
}

interface Template {
  Parameters?: Record<string, { Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown; Condition?: string }>;
}

const NO_VALUE = Symbol('AWS::NoValue');

/** A resolver bound to one template and one set of parameter values. */
export class CfnResolver {
  readonly template: Template;
  private readonly ctx: ResolveContext;
  private readonly params: Record<string, string>;
  private readonly conditionCache = new Map<string, boolean>();

  constructor(template: unknown, ctx: ResolveContext) {
    this.template = template as Template;
    this.ctx = ctx;
    this.params = {};
    for (const [name, def] of Object.entries(this.template.Parameters ?? {})) {
      const given = ctx.parameters[name];
      if (given !== undefined) this.params[name] = given;
      else if (def.Default !== undefined) this.params[name] = String(def.Default);
    }
    for (const name of Object.keys(ctx.parameters)) {
      if (!(name in (this.template.Parameters ?? {}))) throw new Error(`unknown parameter ${name}`);
    }
  }

  private pseudo(name: string): string | typeof NO_VALUE | undefined {
    const region = this.ctx.region ?? 'us-east-1';
    switch (name) {
      case 'AWS::AccountId':
        return this.ctx.accountId ?? '123456789012';
      case 'AWS::Region':
        return region;
      case 'AWS::Partition':
        return this.ctx.partition ?? 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.ctx.stackName ?? 'slipway';
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        return undefined;
    }
  }

  /** Value of a `Ref` / `${Name}`. */
  private refValue(name: string): string | typeof NO_VALUE {
    const p = this.pseudo(name);
    if (p !== undefined) return p;
    if (name in this.params) return this.params[name] as string;
    if (name in (this.template.Parameters ?? {}))
      throw new Error(`parameter ${name} has no value and no default`);
    const resource = this.template.Resources[name];
    if (!resource) throw new Error(`Ref to unknown name ${name}`);
    if (!this.resourceExists(name)) throw new Error(`Ref to ${name}, which its condition leaves out`);
    return this.ctx.resourceRefs?.[name] ?? name;
  }

  private attribute(resource: string, attribute: string): string {
    if (!this.template.Resources[resource]) throw new Error(`GetAtt of unknown resource ${resource}`);
    if (!this.resourceExists(resource))
      throw new Error(`GetAtt of ${resource}, which its condition leaves out`);
    const given = this.ctx.resourceAttributes?.[`${resource}.${attribute}`];
    if (given !== undefined) return given;
    const type = this.template.Resources[resource]?.Type ?? '';
    const account = this.pseudo('AWS::AccountId') as string;
    const name = this.ctx.resourceRefs?.[resource] ?? resource;
    if (attribute === 'Arn' && type === 'AWS::IAM::Role') return `arn:aws:iam::${account}:role/${name}`;
    if (attribute === 'Arn' && type === 'AWS::S3::Bucket') return `arn:aws:s3:::${name}`;
    return `arn:aws:synthetic:::${resource}/${attribute}`;
  }

  /** Whether a condition of the template holds for these parameters. */
  condition(name: string): boolean {
    const cached = this.conditionCache.get(name);
    if (cached !== undefined) return cached;
    const expr = this.template.Conditions?.[name];
    if (expr === undefined) throw new Error(`unknown condition ${name}`);
    const value = this.evalCondition(expr);
    this.conditionCache.set(name, value);
    return value;
  }

  private evalCondition(expr: unknown): boolean {
    const [fn, args] = single(expr);
    switch (fn) {
      case 'Fn::Equals': {
        const [a, b] = args as [unknown, unknown];
        return this.resolve(a) === this.resolve(b);
      }
      case 'Fn::Not':
        return !this.evalCondition((args as unknown[])[0]);
      case 'Fn::And':
        return (args as unknown[]).every((c) => this.evalCondition(c));
      case 'Fn::Or':
        return (args as unknown[]).some((c) => this.evalCondition(c));
      case 'Condition':
        return this.condition(args as string);
      default:
        throw new Error(`unsupported condition function ${fn}`);
    }
  }

  /** Whether a resource is created (its Condition, if any, holds). */
  resourceExists(logicalId: string): boolean {
    const c = this.template.Resources[logicalId]?.Condition;
    return c === undefined || this.condition(c);
  }

  /** Resolves every intrinsic in a value; `AWS::NoValue` entries are removed. */
  resolve(value: unknown): unknown {
    const out = this.walk(value);
    return out === NO_VALUE ? undefined : out;
  }

  private walk(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.walk(v)).filter((v) => v !== NO_VALUE);
    if (!value || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [fn, args] = entries[0] ?? [''];
    if (entries.length === 1 && (fn === 'Ref' || fn.startsWith('Fn::'))) return this.intrinsic(fn, args);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = this.walk(v);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  private intrinsic(fn: string, args: unknown): unknown {
    switch (fn) {
      case 'Ref':
        return this.refValue(args as string);
      case 'Fn::GetAtt': {
        const [resource, attribute] = args as [string, string];
        return this.attribute(resource, attribute);
      }
      case 'Fn::If': {
        const [cond, yes, no] = args as [string, unknown, unknown];
        return this.walk(this.condition(cond) ? yes : no);
      }
      case 'Fn::Join': {
        const [sep, parts] = args as [string, unknown];
        const list = this.walk(parts);
        if (!Array.isArray(list)) throw new Error('Fn::Join needs a list');
        return list.map(String).join(sep);
      }
      case 'Fn::Sub': {
        const [text, vars] = (Array.isArray(args) ? args : [args, {}]) as [string, Record<string, unknown>];
        const resolvedVars = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, this.walk(v)]));
        return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
          if (name in resolvedVars) return String(resolvedVars[name]);
          if (name.includes('.')) {
            const [resource, attribute] = name.split('.') as [string, string];
            return this.attribute(resource, attribute);
          }
          const v = this.refValue(name);
          if (v === NO_VALUE) throw new Error('AWS::NoValue inside Fn::Sub');
          return v;
        });
      }
      default:
        throw new Error(`unsupported intrinsic ${fn}`);
    }
  }

  /** A resource's properties, resolved. */
  properties(logicalId: string): Record<string, unknown> {
    const r = this.template.Resources[logicalId];
    if (!r) throw new Error(`no resource ${logicalId}`);
    return this.resolve(r.Properties ?? {}) as Record<string, unknown>;
  }

  /** Logical IDs of the resources of a type that these parameters create. */
  resourcesOfType(type: string): string[] {
    return Object.entries(this.template.Resources)
      .filter(([id, r]) => r.Type === type && this.resourceExists(id))
      .map(([id]) => id);
  }

  /** The stack's outputs, resolved. */
  outputs(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.template.Outputs ?? {})
        .filter(([, o]) => o.Condition === undefined || this.condition(o.Condition))
        .map(([k, o]) => [k, String(this.resolve(o.Value))]),
    );
  }
}

function single(expr: unknown): [string, unknown] {
  if (!expr || typeof expr !== 'object' || Array.isArray(expr))
    throw new Error('condition must be an object');
  const entries = Object.entries(expr);
  if (entries.length !== 1) throw new Error('condition must have one function');
  return entries[0] as [string, unknown];
}
