// A small evaluator of IAM policy documents, for tests that must show which OIDC claims a trust
// policy admits and what a bucket policy refuses. Hand-written on purpose: no maintained library
// evaluates IAM conditions offline (AWS's policy simulator is an API call against a real account,
// and moto does not enforce trust-policy conditions on AssumeRoleWithWebIdentity). It implements
// the operators Slipway's policies use, following the IAM reference
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html),
// and throws on any other operator so an unsupported condition can never evaluate as a silent match.

export interface IamRequest {
  action: string;
  /** The caller, for resource and trust policies: `{ Federated: arn }`, `{ Service: host }`, `{ AWS: arn }`. */
  principal?: { type: 'Federated' | 'Service' | 'AWS'; id: string };
  resource?: string;
  /** Condition keys of the request (`token.actions.githubusercontent.com:sub`, `aws:SecureTransport` …). */
  context: Record<string, string>;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | Record<string, string | string[]>;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM's `StringLike`: `*` matches any run of characters (also none), `?` exactly one; case-sensitive. */
export function stringLike(pattern: string, value: string): boolean {
  let re = '^';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's').test(value);
}

type Matcher = (expected: string, actual: string) => boolean;

const OPERATORS: Record<string, { match: Matcher; negated: boolean }> = {
  StringEquals: { match: (e, a) => e === a, negated: false },
  StringNotEquals: { match: (e, a) => e === a, negated: true },
  StringEqualsIgnoreCase: { match: (e, a) => e.toLowerCase() === a.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { match: (e, a) => e.toLowerCase() === a.toLowerCase(), negated: true },
  StringLike: { match: stringLike, negated: false },
  StringNotLike: { match: stringLike, negated: true },
  Bool: { match: (e, a) => e.toLowerCase() === a.toLowerCase(), negated: false },
};

/**
 * Evaluates one condition block. All operators must hold, and within an operator every key; a key
 * holds when the request value matches any of the listed values. A key missing from the request
 * fails a positive operator and satisfies a negated one, unless `…IfExists` makes it pass.
 */
export function conditionHolds(
  condition: Statement['Condition'] | undefined,
  context: Record<string, string>,
): boolean {
  for (const [rawOperator, keys] of Object.entries(condition ?? {})) {
    if (rawOperator.includes(':')) throw new Error(`unsupported condition set operator ${rawOperator}`);
    const ifExists = rawOperator.endsWith('IfExists');
    const name = ifExists ? rawOperator.slice(0, -'IfExists'.length) : rawOperator;
    const op = OPERATORS[name];
    if (!op) throw new Error(`unsupported condition operator ${rawOperator}`);
    for (const [key, expected] of Object.entries(keys)) {
      const actual = lookup(context, key);
      if (actual === undefined) {
        if (ifExists || op.negated) continue;
        return false;
      }
      const values = asList(expected).map(String);
      if (values.some((v) => v.includes('${'))) throw new Error(`policy variables are not supported: ${key}`);
      const anyMatch = values.some((v) => op.match(v, actual));
      if (op.negated ? anyMatch : !anyMatch) return false;
    }
  }
  return true;
}

// Condition key names are case-insensitive in IAM; their values are not.
function lookup(context: Record<string, string>, key: string): string | undefined {
  const found = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : context[found];
}

function principalMatches(statement: Statement, request: IamRequest): boolean {
  if (statement.Principal === undefined) return true; // identity policy: the principal is the holder
  if (statement.Principal === '*') return true;
  const caller = request.principal;
  if (!caller) return false;
  return asList(statement.Principal[caller.type]).some((id) => id === '*' || id === caller.id);
}

function actionMatches(statement: Statement, action: string): boolean {
  return asList(statement.Action).some((a) => stringLike(a.toLowerCase(), action.toLowerCase()));
}

function resourceMatches(statement: Statement, resource: string | undefined): boolean {
  if (statement.Resource === undefined) return true; // trust policies name no resource
  if (resource === undefined) return false;
  return asList(statement.Resource).some((r) => stringLike(r, resource));
}

/** Evaluates one policy: an explicit Deny wins, then any Allow, else the implicit deny. */
export function evaluatePolicy(policy: unknown, request: IamRequest): Decision {
  const doc = policy as { Version?: string; Statement: Statement | Statement[] };
  if (doc.Version !== '2012-10-17')
    throw new Error(`policy Version must be 2012-10-17, got ${String(doc.Version)}`);
  let allowed = false;
  for (const st of asList(doc.Statement)) {
    if (!('Action' in st)) throw new Error('NotAction is not supported');
    const applies =
      principalMatches(st, request) &&
      actionMatches(st, request.action) &&
      resourceMatches(st, request.resource) &&
      conditionHolds(st.Condition, request.context);
    if (!applies) continue;
    if (st.Effect === 'Deny') return 'ExplicitDeny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}
