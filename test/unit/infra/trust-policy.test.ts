import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CfnResolver } from '../../support/cfn-resolve.ts';
import { conditionHolds, evaluatePolicy, stringLike } from '../../support/iam-evaluate.ts';
import { buildTemplate, DEFAULT_OPTIONS } from '../../../infra/template.ts';

const ACCOUNT = '111122223333';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const OIDC = 'token.actions.githubusercontent.com';

function resolver(parameters: Record<string, string> = {}, opts = DEFAULT_OPTIONS) {
  return new CfnResolver(buildTemplate(opts), {
    accountId: ACCOUNT,
    parameters: {
      Project: 'shop',
      GitHubRepository: 'acme/shop',
      EksClusterName: 'main-cluster',
      ...parameters,
    },
    // Ref of AWS::IAM::OIDCProvider is its ARN.
    resourceRefs: { GitHubOidcProvider: PROVIDER },
  });
}

/** The roles (logical IDs) whose trust policy lets a GitHub token with these claims in. */
function rolesAdmitting(
  r: CfnResolver,
  claims: { sub: string; aud?: string },
  provider = PROVIDER,
): string[] {
  return r
    .resourcesOfType('AWS::IAM::Role')
    .filter((id) => {
      const trust = r.properties(id).AssumeRolePolicyDocument;
      const decision = evaluatePolicy(trust, {
        action: 'sts:AssumeRoleWithWebIdentity',
        principal: { type: 'Federated', id: provider },
        context: { [`${OIDC}:sub`]: claims.sub, [`${OIDC}:aud`]: claims.aud ?? 'sts.amazonaws.com' },
      });
      return decision === 'Allow';
    })
    .sort();
}

test('the evaluator implements StringLike wildcards: * any run (also empty), ? exactly one, case-sensitive', () => {
  assert.equal(stringLike('repo:o/r:*', 'repo:o/r:pull_request'), true);
  assert.equal(stringLike('repo:o/r:*', 'repo:o/r:'), true);
  assert.equal(stringLike('repo:o/r:ref:refs/heads/release-?', 'repo:o/r:ref:refs/heads/release-1'), true);
  assert.equal(stringLike('repo:o/r:ref:refs/heads/release-?', 'repo:o/r:ref:refs/heads/release-10'), false);
  assert.equal(stringLike('repo:o/r:*', 'repo:O/r:pull_request'), false);
  assert.equal(stringLike('a.b', 'aXb'), false, 'regex metacharacters are literal');
  assert.equal(stringLike('*', ''), true);
});

test('the evaluator: missing keys fail positive operators, IfExists and negated operators pass, unknown operators throw', () => {
  const ctx = { 'k:a': 'x' };
  assert.equal(conditionHolds({ StringEquals: { 'k:a': 'x', 'k:b': 'y' } }, ctx), false);
  assert.equal(conditionHolds({ StringEqualsIfExists: { 'k:b': 'y' } }, ctx), true);
  assert.equal(conditionHolds({ StringNotEquals: { 'k:b': 'y' } }, ctx), true);
  assert.equal(
    conditionHolds({ StringEquals: { 'k:a': ['w', 'x'] } }, ctx),
    true,
    'values of one key are ORed',
  );
  assert.equal(conditionHolds({ StringEquals: { 'K:A': 'x' } }, ctx), true, 'key names are case-insensitive');
  assert.equal(conditionHolds({ StringEquals: { 'k:a': 'X' } }, ctx), false, 'values are case-sensitive');
  assert.throws(
    () => conditionHolds({ NumericLessThan: { 'k:a': '1' } }, ctx),
    /unsupported condition operator/,
  );
  assert.throws(() => conditionHolds({ 'ForAnyValue:StringLike': { 'k:a': '*' } }, ctx), /unsupported/);
});

test('a push to the default branch may assume the build role and nothing else', () => {
  assert.deepEqual(rolesAdmitting(resolver(), { sub: 'repo:acme/shop:ref:refs/heads/main' }), ['BuildRole']);
});

test('a pull request may assume no role at all (it could run untrusted code)', () => {
  assert.deepEqual(rolesAdmitting(resolver(), { sub: 'repo:acme/shop:pull_request' }), []);
});

test('another repository may assume no role, not even one whose name starts the same', () => {
  const r = resolver();
  for (const sub of [
    'repo:acme/other:ref:refs/heads/main',
    'repo:evil/shop:ref:refs/heads/main',
    'repo:acme/shop-fork:ref:refs/heads/main',
    'repo:acme/shop-fork:environment:production',
    'repo:evil/shop:environment:production',
  ]) {
    assert.deepEqual(rolesAdmitting(r, { sub }), [], sub);
  }
});

test('another branch or a tag may assume no role', () => {
  const r = resolver();
  for (const sub of [
    'repo:acme/shop:ref:refs/heads/feature/x',
    'repo:acme/shop:ref:refs/heads/main-evil',
    'repo:acme/shop:ref:refs/tags/v1.0.0',
  ]) {
    assert.deepEqual(rolesAdmitting(r, { sub }), [], sub);
  }
});

test('a job in the production environment may assume the production deploy role only', () => {
  assert.deepEqual(rolesAdmitting(resolver(), { sub: 'repo:acme/shop:environment:production' }), [
    'DeployRoleProduction',
  ]);
});

test('a job in the staging environment may assume the staging deploy role only', () => {
  assert.deepEqual(rolesAdmitting(resolver(), { sub: 'repo:acme/shop:environment:staging' }), [
    'DeployRoleStaging',
  ]);
});

test('an unknown environment, or one spelled differently, may assume no role', () => {
  const r = resolver();
  for (const sub of ['repo:acme/shop:environment:dev', 'repo:acme/shop:environment:Production']) {
    assert.deepEqual(rolesAdmitting(r, { sub }), [], sub);
  }
});

test('a token for another audience is refused even with the right subject', () => {
  const r = resolver();
  for (const aud of ['https://github.com/acme', 'sts.amazonaws.com.evil', '']) {
    assert.deepEqual(rolesAdmitting(r, { sub: 'repo:acme/shop:ref:refs/heads/main', aud }), [], aud);
    assert.deepEqual(rolesAdmitting(r, { sub: 'repo:acme/shop:environment:production', aud }), [], aud);
  }
});

test('a token from another identity provider is refused', () => {
  const other = `arn:aws:iam::${ACCOUNT}:oidc-provider/gitlab.com`;
  assert.deepEqual(rolesAdmitting(resolver(), { sub: 'repo:acme/shop:ref:refs/heads/main' }, other), []);
});

test('owner/repo is compared case-sensitively, as GitHub sends it', () => {
  assert.deepEqual(rolesAdmitting(resolver(), { sub: 'repo:ACME/shop:ref:refs/heads/main' }), []);
  assert.deepEqual(
    rolesAdmitting(resolver({ GitHubRepository: 'Acme/Shop' }), {
      sub: 'repo:Acme/Shop:ref:refs/heads/main',
    }),
    ['BuildRole'],
  );
});

test('the DefaultBranch parameter moves the build role to that branch', () => {
  const r = resolver({ DefaultBranch: 'trunk' });
  assert.deepEqual(rolesAdmitting(r, { sub: 'repo:acme/shop:ref:refs/heads/trunk' }), ['BuildRole']);
  assert.deepEqual(rolesAdmitting(r, { sub: 'repo:acme/shop:ref:refs/heads/main' }), []);
});

test('with an existing OIDC provider the roles trust that ARN and the stack creates none', () => {
  const existing = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
  const r = new CfnResolver(buildTemplate(), {
    accountId: ACCOUNT,
    parameters: {
      Project: 'shop',
      GitHubRepository: 'acme/shop',
      EksClusterName: 'c',
      ExistingOidcProviderArn: existing,
    },
  });
  assert.deepEqual(r.resourcesOfType('AWS::IAM::OIDCProvider'), []);
  assert.deepEqual(rolesAdmitting(r, { sub: 'repo:acme/shop:ref:refs/heads/main' }, existing), ['BuildRole']);
  assert.equal(r.outputs().OidcProviderArn, existing);
});

test('the created OIDC provider is GitHub’s issuer with the sts.amazonaws.com audience', () => {
  const r = resolver();
  assert.deepEqual(r.resourcesOfType('AWS::IAM::OIDCProvider'), ['GitHubOidcProvider']);
  assert.deepEqual(r.properties('GitHubOidcProvider'), {
    Url: 'https://token.actions.githubusercontent.com',
    ClientIdList: ['sts.amazonaws.com'],
  });
});

test('generated environments get their own roles: each admits exactly its own environment', () => {
  const opts = { environments: ['dev', 'eu-prod'], approvalEnvironments: ['eu-prod'] };
  const r = resolver({}, opts);
  assert.deepEqual(rolesAdmitting(r, { sub: 'repo:acme/shop:environment:dev' }), ['DeployRoleDev']);
  assert.deepEqual(rolesAdmitting(r, { sub: 'repo:acme/shop:environment:eu-prod' }), ['DeployRoleEuProd']);
  assert.deepEqual(rolesAdmitting(r, { sub: 'repo:acme/shop:environment:production' }), []);
});

test('the service roles are assumable only by their service, CodeBuild only for this account', () => {
  const r = resolver();
  const assume = (id: string, service: string, context: Record<string, string> = {}) =>
    evaluatePolicy(r.properties(id).AssumeRolePolicyDocument, {
      action: 'sts:AssumeRole',
      principal: { type: 'Service', id: service },
      context,
    });
  assert.equal(
    assume('CodeBuildRoleStaging', 'codebuild.amazonaws.com', { 'aws:SourceAccount': ACCOUNT }),
    'Allow',
  );
  assert.equal(
    assume('CodeBuildRoleStaging', 'codebuild.amazonaws.com', { 'aws:SourceAccount': '999999999999' }),
    'ImplicitDeny',
  );
  assert.equal(
    assume('CodeBuildRoleStaging', 'codepipeline.amazonaws.com', { 'aws:SourceAccount': ACCOUNT }),
    'ImplicitDeny',
  );
  assert.equal(assume('PipelineRoleStaging', 'codepipeline.amazonaws.com'), 'Allow');
  assert.equal(assume('PipelineRoleStaging', 'codebuild.amazonaws.com'), 'ImplicitDeny');
  assert.equal(assume('TriggerRoleStaging', 'events.amazonaws.com'), 'Allow');
  // and no GitHub token may assume a service role
  const gh = (id: string) =>
    evaluatePolicy(r.properties(id).AssumeRolePolicyDocument, {
      action: 'sts:AssumeRoleWithWebIdentity',
      principal: { type: 'Federated', id: PROVIDER },
      context: {
        [`${OIDC}:sub`]: 'repo:acme/shop:ref:refs/heads/main',
        [`${OIDC}:aud`]: 'sts.amazonaws.com',
      },
    });
  for (const id of ['CodeBuildRoleStaging', 'PipelineRoleStaging', 'TriggerRoleStaging'])
    assert.equal(gh(id), 'ImplicitDeny');
});

test('the artifact bucket policy refuses every request without TLS and grants nothing', () => {
  const r = resolver();
  const policy = r.properties('ArtifactBucketPolicy').PolicyDocument;
  const request = (secure: string, action = 's3:GetObject') =>
    evaluatePolicy(policy, {
      action,
      principal: { type: 'AWS', id: `arn:aws:iam::${ACCOUNT}:role/shop-github-deploy-staging` },
      resource: 'arn:aws:s3:::ArtifactBucket/shop/staging/deploy.zip',
      context: { 'aws:SecureTransport': secure },
    });
  assert.equal(request('false'), 'ExplicitDeny');
  assert.equal(request('false', 's3:PutObject'), 'ExplicitDeny');
  assert.equal(request('true'), 'ImplicitDeny', 'the bucket policy only denies; IAM grants');
});
