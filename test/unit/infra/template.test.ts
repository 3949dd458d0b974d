import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CfnResolver } from '../../support/cfn-resolve.ts';
import { renderPolicy, type PolicyName } from '../../../infra/policies.ts';
import {
  BUILDSPEC_PATH,
  buildTemplate,
  DEFAULT_OPTIONS,
  TEMPLATE_PATH,
  templateYaml,
  validateOptions,
} from '../../../infra/template.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';

function resolver(parameters: Record<string, string> = {}, opts = DEFAULT_OPTIONS) {
  return new CfnResolver(buildTemplate(opts), {
    accountId: ACCOUNT,
    region: REGION,
    parameters: {
      Project: 'shop',
      GitHubRepository: 'acme/shop',
      EksClusterName: 'main-cluster',
      ...parameters,
    },
    resourceRefs: { ArtifactBucket: 'shop-artifacts', PipelineArtifactStore: 'shop-pipeline-store' },
  });
}

/** The element at `index`, failing the test (not throwing a TypeError) when it is missing. */
function at<T>(list: readonly T[] | undefined, index: number): T {
  const item = list?.[index];
  assert.ok(item !== undefined, `no element ${index}`);
  return item;
}

interface Stage {
  Name: string;
  Actions: { ActionTypeId: unknown; Configuration?: Record<string, unknown> }[];
}

const stagesOf = (r: CfnResolver, pipeline: string) => r.properties(pipeline).Stages as Stage[];
const stageAction = (r: CfnResolver, pipeline: string, stage: number) =>
  at(at(stagesOf(r, pipeline), stage).Actions, 0);

function inlinePolicy(r: CfnResolver, role: string, name: string): unknown {
  const policies = r.properties(role).Policies as { PolicyName: string; PolicyDocument: unknown }[];
  const found = policies.find((p) => p.PolicyName === name);
  assert.ok(found, `${role} has the inline policy ${name}`);
  return found.PolicyDocument;
}

test('the shipped template is exactly what the generator renders now (regenerate: npx tsx scripts/generate-infra.ts)', () => {
  assert.equal(readFileSync(TEMPLATE_PATH, 'utf8'), templateYaml());
});

test('generate-infra --check passes on the shipped template and fails on a stale one', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/generate-infra.ts'), ...args], {
      cwd: root,
      encoding: 'utf8',
    });
  const ok = run('--check');
  assert.equal(ok.status, 0, ok.stderr);
  const stale = join(mkdtempSync(join(tmpdir(), 'slw-infra-')), 'stale.yaml');
  writeFileSync(stale, templateYaml().replace('RetentionInDays: 90', 'RetentionInDays: 1'));
  const bad = run('--check', '--out', stale);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /out of date/);
  const wrong = run('--environments', 'Prod');
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /environment "Prod" must be/);
});

test('each GitHub role carries exactly the docs/iam policies, substituted for its scope', () => {
  const r = resolver();
  const expect = (role: string, policy: PolicyName, keyPrefix?: string, env?: string) =>
    assert.deepEqual(
      inlinePolicy(r, role, `slipway-${policy}`),
      renderPolicy(policy, {
        region: REGION,
        accountId: ACCOUNT,
        project: 'shop',
        bucket: 'shop-artifacts',
        keyPrefix,
        ...(env ? { pipeline: `shop-${env}`, buildProject: `shop-deploy-${env}` } : {}),
      }),
      `${role} ${policy}`,
    );
  expect('BuildRole', 'ecr-push');
  expect('DeployRoleStaging', 'render-manifest', 'shop/staging');
  expect('DeployRoleStaging', 'ecr-retag');
  expect('DeployRoleProduction', 'render-manifest', 'shop/production');
  expect('DeployRoleProduction', 'ecr-retag');
  expect('DeployRoleStaging', 'await-release', undefined, 'staging');
  expect('DeployRoleProduction', 'await-release', undefined, 'production');
  for (const role of ['BuildRole', 'DeployRoleStaging', 'DeployRoleProduction']) {
    const names = (r.properties(role).Policies as { PolicyName: string }[]).map((p) => p.PolicyName);
    assert.equal(names.length, role === 'BuildRole' ? 1 : 3, `${role} has no other policy`);
    assert.equal(r.properties(role).ManagedPolicyArns, undefined, `${role} has no managed policy`);
  }
});

test('with SSE-KMS the deploy roles get the KMS statement of docs/iam and the bucket uses the key', () => {
  const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f5e2a7c-1111-2222-3333-444455556666`;
  const r = resolver({ KmsKeyArn: key });
  assert.deepEqual(
    inlinePolicy(r, 'DeployRoleStaging', 'slipway-render-manifest'),
    renderPolicy('render-manifest', {
      region: REGION,
      accountId: ACCOUNT,
      bucket: 'shop-artifacts',
      keyPrefix: 'shop/staging',
      kmsKeyArn: key,
    }),
  );
  const sse = (
    r.properties('ArtifactBucket').BucketEncryption as { ServerSideEncryptionConfiguration: unknown[] }
  ).ServerSideEncryptionConfiguration;
  assert.deepEqual(sse, [
    {
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key },
      BucketKeyEnabled: true,
    },
  ]);
  const pipeline = JSON.stringify(inlinePolicy(r, 'PipelineRoleStaging', 'slipway-pipeline'));
  assert.match(pipeline, /"kms:Decrypt"/);
  assert.doesNotMatch(
    JSON.stringify(inlinePolicy(resolver(), 'PipelineRoleStaging', 'slipway-pipeline')),
    /kms:/,
  );
});

test('the artifact bucket: versioned, private, ACLs disabled, SSE-S3 by default, EventBridge on, TLS only', () => {
  const r = resolver();
  const b = r.properties('ArtifactBucket');
  assert.deepEqual(b.VersioningConfiguration, { Status: 'Enabled' });
  assert.deepEqual(b.PublicAccessBlockConfiguration, {
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  });
  assert.deepEqual(b.OwnershipControls, { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  assert.deepEqual(b.BucketEncryption, {
    ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
  });
  assert.deepEqual(b.NotificationConfiguration, { EventBridgeConfiguration: { EventBridgeEnabled: true } });
  const policy = r.properties('ArtifactBucketPolicy');
  assert.equal(policy.Bucket, 'shop-artifacts');
  assert.deepEqual(r.resourcesOfType('AWS::S3::BucketPolicy').sort(), [
    'ArtifactBucketPolicy',
    'PipelineArtifactStorePolicy',
  ]);
});

test('an existing bucket is used as is: nothing created for it, every reference points at it', () => {
  const r = resolver({ ExistingBucketName: 'team-releases' });
  assert.equal(r.resourceExists('ArtifactBucket'), false);
  assert.equal(r.resourceExists('ArtifactBucketPolicy'), false);
  assert.equal(r.outputs().Bucket, 'team-releases');
  const source = stageAction(r, 'PipelineStaging', 0).Configuration;
  assert.deepEqual(source, {
    S3Bucket: 'team-releases',
    S3ObjectKey: 'shop/staging/deploy.zip',
    PollForSourceChanges: false,
  });
  assert.match(
    JSON.stringify(inlinePolicy(r, 'DeployRoleStaging', 'slipway-render-manifest')),
    /team-releases\/shop\/staging\/\*/,
  );
});

test('the ECR repository scans on push, keeps commit tags immutable and expires all but the newest N', () => {
  const repo = resolver({ KeepImages: '25' }).properties('EcrRepository');
  assert.equal(repo.RepositoryName, 'shop');
  assert.deepEqual(repo.ImageScanningConfiguration, { ScanOnPush: true });
  assert.equal(repo.ImageTagMutability, 'IMMUTABLE_WITH_EXCLUSION');
  assert.deepEqual(
    (repo.ImageTagMutabilityExclusionFilters as { ImageTagMutabilityExclusionFilterValue: string }[]).map(
      (f) => f.ImageTagMutabilityExclusionFilterValue,
    ),
    ['latest', 'staging', 'production'],
  );
  const lifecycle = JSON.parse((repo.LifecyclePolicy as { LifecyclePolicyText: string }).LifecyclePolicyText);
  assert.deepEqual(lifecycle.rules[0].selection, {
    tagStatus: 'any',
    countType: 'imageCountMoreThan',
    countNumber: 25,
  });
  assert.deepEqual(lifecycle.rules[0].action, { type: 'expire' });
  const strict = resolver({ ImageTagMutability: 'IMMUTABLE' }).properties('EcrRepository');
  assert.equal(strict.ImageTagMutability, 'IMMUTABLE');
  assert.equal(strict.ImageTagMutabilityExclusionFilters, undefined);
});

test('each environment: V2 pipeline on its stable key, started by EventBridge, deploying with the shipped buildspec', () => {
  const r = resolver();
  const buildspec = readFileSync(BUILDSPEC_PATH, 'utf8');
  for (const [env, id] of [
    ['staging', 'Staging'],
    ['production', 'Production'],
  ] as const) {
    const p = r.properties(`Pipeline${id}`);
    assert.equal(p.Name, `shop-${env}`);
    assert.equal(p.PipelineType, 'V2');
    assert.deepEqual(
      stagesOf(r, `Pipeline${id}`).map((s) => s.Name),
      ['Source', 'Deploy'],
    );
    assert.deepEqual(stageAction(r, `Pipeline${id}`, 0).Configuration, {
      S3Bucket: 'shop-artifacts',
      S3ObjectKey: `shop/${env}/deploy.zip`,
      PollForSourceChanges: false,
    });
    assert.deepEqual(stageAction(r, `Pipeline${id}`, 1).Configuration, { ProjectName: `DeployProject${id}` });

    const rule = r.properties(`Trigger${id}`);
    assert.deepEqual(rule.EventPattern, {
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['shop-artifacts'] }, object: { key: [`shop/${env}/deploy.zip`] } },
    });
    const target = at(rule.Targets as { Arn: string; RoleArn: string }[], 0);
    assert.equal(target.Arn, `arn:aws:codepipeline:${REGION}:${ACCOUNT}:shop-${env}`);
    assert.deepEqual(inlinePolicy(r, `TriggerRole${id}`, 'slipway-start-pipeline'), {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'StartPipeline',
          Effect: 'Allow',
          Action: 'codepipeline:StartPipelineExecution',
          Resource: target.Arn,
        },
      ],
    });

    const build = r.properties(`DeployProject${id}`);
    assert.deepEqual(build.Source, { Type: 'CODEPIPELINE', BuildSpec: buildspec });
    const vars = Object.fromEntries(
      (
        build.Environment as { EnvironmentVariables: { Name: string; Value: string }[] }
      ).EnvironmentVariables.map((v) => [v.Name, v.Value]),
    );
    assert.deepEqual(vars, {
      EKS_CLUSTER_NAME: 'main-cluster',
      KUBE_NAMESPACE: 'shop',
      DEPLOY_ENV: env,
      ROLLOUT_TIMEOUT: '300s',
    });
  }
});

test('the production pipeline waits for a manual approval only when ProductionApproval is true', () => {
  const names = (r: CfnResolver, id: string) => stagesOf(r, `Pipeline${id}`).map((s) => s.Name);
  const on = resolver({ ProductionApproval: 'true' });
  assert.deepEqual(names(on, 'Production'), ['Source', 'Approve', 'Deploy']);
  assert.deepEqual(names(on, 'Staging'), ['Source', 'Deploy']);
  const approve = stageAction(on, 'PipelineProduction', 1);
  assert.deepEqual(approve.ActionTypeId, {
    Category: 'Approval',
    Owner: 'AWS',
    Provider: 'Manual',
    Version: '1',
  });
  assert.deepEqual(names(resolver(), 'Production'), ['Source', 'Deploy']);
});

test('per-environment cluster and namespace overrides reach CodeBuild, its IAM scope and the EKS access entry', () => {
  const r = resolver({ ProductionEksClusterName: 'prod-cluster', ProductionNamespace: 'shop-live' });
  const entry = r.properties('EksAccessEntryProduction');
  assert.equal(entry.ClusterName, 'prod-cluster');
  assert.equal(entry.PrincipalArn, `arn:aws:iam::${ACCOUNT}:role/CodeBuildRoleProduction`);
  assert.deepEqual(entry.AccessPolicies, [
    {
      PolicyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy',
      AccessScope: { Type: 'namespace', Namespaces: ['shop-live'] },
    },
  ]);
  const policy = JSON.stringify(inlinePolicy(r, 'CodeBuildRoleProduction', 'slipway-deploy-build'));
  assert.match(policy, new RegExp(`arn:aws:eks:${REGION}:${ACCOUNT}:cluster/prod-cluster"`));
  assert.equal(r.properties('EksAccessEntryStaging').ClusterName, 'main-cluster');
});

test('the CodeBuild and CodePipeline roles grant named actions on named resources only', () => {
  const r = resolver();
  for (const [role, policy] of [
    ['CodeBuildRoleStaging', 'slipway-deploy-build'],
    ['PipelineRoleStaging', 'slipway-pipeline'],
    ['TriggerRoleStaging', 'slipway-start-pipeline'],
  ] as const) {
    const doc = inlinePolicy(r, role, policy) as {
      Statement: { Action: string | string[]; Resource: string | string[] }[];
    };
    for (const st of doc.Statement) {
      for (const a of [st.Action].flat()) assert.doesNotMatch(a, /\*/, `${role}: ${a}`);
      for (const res of [st.Resource].flat()) {
        assert.notEqual(res, '*', `${role} grants ${String(st.Action)} on *`);
        assert.doesNotMatch(
          res,
          /^arn:aws:s3:::shop-artifacts\/\*$/,
          `${role} may touch every release of every environment`,
        );
      }
    }
  }
  const pipeline = JSON.stringify(inlinePolicy(r, 'PipelineRoleStaging', 'slipway-pipeline'));
  assert.match(pipeline, /arn:aws:s3:::shop-artifacts\/shop\/staging\/deploy.zip/);
  assert.doesNotMatch(pipeline, /shop\/production/);
});

/** The EnvironmentSettings output of `env` with the default parameters. */
const settings = (env: string) =>
  `Settings > Environments > ${env} > Deployment branches and tags: Selected branches and tags, add the rule "main" (branch) and no other; or: gh api -X PUT repos/acme/shop/environments/${env} -F "deployment_branch_policy[protected_branches]=false" -F "deployment_branch_policy[custom_branch_policies]=true" && gh api -X POST repos/acme/shop/environments/${env}/deployment-branch-policies -f name=main -f type=branch`;

test('outputs are the workflow inputs: roles, region, registry, repository, bucket, key prefixes', () => {
  const out = resolver().outputs();
  assert.deepEqual(out, {
    Region: REGION,
    Registry: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`,
    Repository: 'EcrRepository',
    RepositoryUri: 'arn:aws:synthetic:::EcrRepository/RepositoryUri',
    BuildRoleArn: `arn:aws:iam::${ACCOUNT}:role/BuildRole`,
    Bucket: 'shop-artifacts',
    OidcProviderArn: 'GitHubOidcProvider',
    DeployRoleArnStaging: `arn:aws:iam::${ACCOUNT}:role/DeployRoleStaging`,
    KeyPrefixStaging: 'shop/staging',
    EnvironmentSettingsStaging: settings('staging'),
    PipelineStaging: 'shop-staging',
    DeployRoleArnProduction: `arn:aws:iam::${ACCOUNT}:role/DeployRoleProduction`,
    KeyPrefixProduction: 'shop/production',
    EnvironmentSettingsProduction: settings('production'),
    PipelineProduction: 'shop-production',
  });
});

test('the outputs print the deployment branch rule each environment whose role is trusted needs', () => {
  const out = resolver({ DefaultBranch: 'trunk' }).outputs();
  for (const env of ['staging', 'production']) {
    const text = String(out[`EnvironmentSettings${env[0]?.toUpperCase()}${env.slice(1)}`]);
    assert.match(text, new RegExp(`Settings > Environments > ${env} > Deployment branches and tags`));
    assert.match(text, /add the rule "trunk" \(branch\) and no other/);
    assert.match(
      text,
      new RegExp(
        `repos/acme/shop/environments/${env}/deployment-branch-policies -f name=trunk -f type=branch`,
      ),
    );
  }
});

test('generation options are validated with a message naming the bad value', () => {
  assert.throws(() => validateOptions({ environments: [], approvalEnvironments: [] }), /at least one/);
  assert.throws(() => validateOptions({ environments: ['Prod'], approvalEnvironments: [] }), /"Prod"/);
  assert.throws(
    () => validateOptions({ environments: ['a', 'b', 'c', 'd', 'e'], approvalEnvironments: [] }),
    /at most 4/,
  );
  assert.throws(
    () => validateOptions({ environments: ['staging'], approvalEnvironments: ['production'] }),
    /"production" is not one/,
  );
  assert.throws(() => validateOptions({ environments: ['v-1', 'v1'], approvalEnvironments: [] }), /collide/);
});

test('the template parses as YAML with dates kept as strings', () => {
  const parsed = parse(readFileSync(TEMPLATE_PATH, 'utf8'), { version: '1.1' }) as {
    AWSTemplateFormatVersion: unknown;
  };
  assert.equal(parsed.AWSTemplateFormatVersion, '2010-09-09');
});
