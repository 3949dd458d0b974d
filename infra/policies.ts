// The least-privilege IAM policies of the Slipway actions live in docs/iam/*.json, written with
// CloudFormation `Fn::Sub` placeholders (`${Project}`, `${AWS::Region}` …) so that the template can
// attach them verbatim. This module is the one reader of those files: the template generator, the
// tests and the docs all go through it, so there is no second copy of a policy to drift.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Policies shipped in docs/iam (slack-notify needs none). */
export const POLICY_NAMES = [
  'ecr-login',
  'ecr-push',
  'ecr-retag',
  'render-manifest',
  'await-release',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Placeholders the policy files may use; the `AWS::*` ones are CloudFormation pseudo parameters. */
export const PLACEHOLDERS = [
  'AWS::Partition',
  'AWS::Region',
  'AWS::AccountId',
  'Project',
  'Bucket',
  'KeyPrefix',
  'KmsKeyArn',
  'Pipeline',
  'BuildProject',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/**
 * Statements that only apply with a given setting, keyed by Sid. The statement is kept when its
 * placeholder has a non-empty value (in the template: behind a CloudFormation condition).
 * SSE-KMS is opt-in: with SSE-S3 (AES256) a kms:* grant would be privilege nobody uses.
 */
export const OPTIONAL_STATEMENTS: Readonly<Record<string, Placeholder>> = {
  UseKmsKeyThroughS3: 'KmsKeyArn',
};

export interface PolicyValues {
  /** Defaults to `aws`; `aws-cn` / `aws-us-gov` in the other partitions. */
  partition?: string;
  region: string;
  accountId: string;
  project?: string;
  bucket?: string;
  /** S3 key prefix the role may publish under, without a trailing slash (`<project>/<environment>`). */
  keyPrefix?: string;
  /** Only for SSE-KMS buckets; without it the KMS statement is dropped. */
  kmsKeyArn?: string;
  /** The CodePipeline pipeline await-release follows (the stack's `<project>-<environment>`). */
  pipeline?: string;
  /** Its deploy CodeBuild project (the stack's `<project>-deploy-<environment>`). */
  buildProject?: string;
}

const PLACEHOLDER_RE = /\$\{([^}]+)\}/g;

const policyDir = fileURLToPath(new URL('../docs/iam/', import.meta.url));

/** Path of a policy file, for messages and docs. */
export function policyPath(name: PolicyName): string {
  return `${policyDir}${name}.json`;
}

/** Reads a policy from docs/iam with its placeholders left in. */
export function readPolicy(name: PolicyName): PolicyDocument {
  return JSON.parse(readFileSync(policyPath(name), 'utf8')) as PolicyDocument;
}

/** Every `${…}` placeholder used in a document (or any JSON value). */
export function placeholdersOf(value: unknown): Set<string> {
  const found = new Set<string>();
  visitStrings(value, (s) => {
    for (const m of s.matchAll(PLACEHOLDER_RE)) found.add(m[1] ?? '');
  });
  return found;
}

function visitStrings(value: unknown, fn: (s: string) => void): void {
  if (typeof value === 'string') fn(value);
  else if (Array.isArray(value)) for (const v of value) visitStrings(v, fn);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) visitStrings(v, fn);
}

function valueOf(values: PolicyValues, name: Placeholder): string | undefined {
  switch (name) {
    case 'AWS::Partition':
      return values.partition ?? 'aws';
    case 'AWS::Region':
      return values.region;
    case 'AWS::AccountId':
      return values.accountId;
    case 'Project':
      return values.project;
    case 'Bucket':
      return values.bucket;
    case 'KeyPrefix':
      return values.keyPrefix?.replace(/\/+$/, '');
    case 'KmsKeyArn':
      return values.kmsKeyArn;
    case 'Pipeline':
      return values.pipeline;
    case 'BuildProject':
      return values.buildProject;
  }
}

function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/**
 * Substitutes concrete values into a policy: the document a user pastes into IAM, or attaches to a
 * test user. Optional statements whose setting is empty are dropped; any other placeholder without
 * a value is an error, so a half-substituted ARN can never reach IAM.
 */
export function renderPolicy(policy: PolicyName | PolicyDocument, values: PolicyValues): PolicyDocument {
  const doc = typeof policy === 'string' ? readPolicy(policy) : policy;
  const statements = doc.Statement.filter((st) => {
    const needs = st.Sid ? OPTIONAL_STATEMENTS[st.Sid] : undefined;
    return needs === undefined || Boolean(valueOf(values, needs));
  });
  const substitute = (s: string): string =>
    s.replace(PLACEHOLDER_RE, (_, name: string) => {
      if (!isPlaceholder(name)) throw new Error(`unknown placeholder \${${name}} in an IAM policy`);
      const v = valueOf(values, name);
      if (!v) throw new Error(`IAM policy needs a value for \${${name}}`);
      return v;
    });
  return mapStrings({ ...doc, Statement: statements }, substitute) as PolicyDocument;
}

/** Copies a JSON value, passing every string (not keys) through `fn`. */
export function mapStrings(value: unknown, fn: (s: string) => unknown): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  }
  return value;
}

/** The actions a document grants, flattened, e.g. for docs and minimality checks. */
export function actionsOf(doc: PolicyDocument): string[] {
  return doc.Statement.flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]));
}

/** A document without one action (statements left empty are dropped): the minimality test. */
export function withoutAction(doc: PolicyDocument, action: string): PolicyDocument {
  const Statement = doc.Statement.flatMap((st) => {
    const actions = (Array.isArray(st.Action) ? st.Action : [st.Action]).filter((a) => a !== action);
    return actions.length === 0 ? [] : [{ ...st, Action: actions }];
  });
  return { ...doc, Statement };
}
