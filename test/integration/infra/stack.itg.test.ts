// Deploys the generated template into moto's CloudFormation and checks what moto builds for real:
// the artifact bucket, the ECR repository and every IAM role with its trust and inline policies.
// moto does not build OIDC providers, bucket policies, CodeBuild projects, CodePipelines or EKS
// access entries (it skips those types), and it drops some properties of the types it does build
// (bucket versioning, Block Public Access, ownership controls, EventBridge notifications, lifecycle
// rules, ECR scan-on-push and lifecycle policy): those are checked on the template itself in
// test/unit/infra/template.test.ts.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Parameter,
} from '@aws-sdk/client-cloudformation';
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  HeadBucketCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  CreateOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { testbed, uniqueName } from '@slipway/testbed';
import { CfnResolver } from '../../support/cfn-resolve.ts';
import { renderPolicy } from '../../../infra/policies.ts';
import { buildTemplate, TEMPLATE_PATH } from '../../../infra/template.ts';

const ACCOUNT = '123456789012'; // moto's account
const REGION = 'us-east-1';
const OIDC_URL = 'https://token.actions.githubusercontent.com';

let clients: { cf: CloudFormationClient; s3: S3Client; ecr: ECRClient; iam: IAMClient };
let providerArn: string;

before(async () => {
  const config = {
    endpoint: testbed().moto.url,
    region: REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  clients = {
    cf: new CloudFormationClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    ecr: new ECRClient(config),
    iam: new IAMClient(config),
  };
  // There is one GitHub provider per account; the stacks below reuse it (ExistingOidcProviderArn),
  // because moto's CloudFormation cannot create one.
  const listed = await clients.iam.send(new ListOpenIDConnectProvidersCommand({}));
  const existing = listed.OpenIDConnectProviderList?.find((p) =>
    p.Arn?.endsWith('/token.actions.githubusercontent.com'),
  );
  providerArn =
    existing?.Arn ??
    (
      await clients.iam.send(
        new CreateOpenIDConnectProviderCommand({ Url: OIDC_URL, ClientIDList: ['sts.amazonaws.com'] }),
      )
    ).OpenIDConnectProviderArn ??
    '';
  assert.match(providerArn, /:oidc-provider\/token\.actions\.githubusercontent\.com$/);
});

interface Deployed {
  project: string;
  parameters: Record<string, string>;
  outputs: Record<string, string>;
  /** logical ID → physical ID */
  physical: Record<string, string>;
  resolver: CfnResolver;
}

async function deploy(extra: Record<string, string> = {}): Promise<Deployed> {
  const project = uniqueName('shop').replace(/-/g, '').slice(0, 20);
  const parameters = {
    Project: project,
    GitHubRepository: 'acme/shop',
    EksClusterName: 'main-cluster',
    ExistingOidcProviderArn: providerArn,
    ...extra,
  };
  const StackName = `slipway-${project}`;
  await clients.cf.send(
    new CreateStackCommand({
      StackName,
      TemplateBody: readFileSync(TEMPLATE_PATH, 'utf8'),
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]): Parameter => ({
        ParameterKey,
        ParameterValue,
      })),
    }),
  );
  const stack = (await clients.cf.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0];
  assert.equal(stack?.StackStatus, 'CREATE_COMPLETE', stack?.StackStatusReason);
  const outputs = Object.fromEntries(
    (stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
  );
  const resources =
    (await clients.cf.send(new DescribeStackResourcesCommand({ StackName }))).StackResources ?? [];
  const physical = Object.fromEntries(
    resources.map((r) => [r.LogicalResourceId ?? '', r.PhysicalResourceId ?? '']),
  );
  const resolver = new CfnResolver(buildTemplate(), {
    accountId: ACCOUNT,
    region: REGION,
    stackName: StackName,
    parameters,
    resourceRefs: physical,
  });
  return { project, parameters, outputs, physical, resolver };
}

/**
 * moto hands inline role policies that came from a template back as a Python repr (single quotes,
 * `None` where AWS::NoValue was) instead of JSON; normalise that before comparing.
 */
function parsePolicy(text: string): unknown {
  const decoded = decodeURIComponent(text);
  try {
    return JSON.parse(decoded);
  } catch {
    const json = decoded
      .replace(/'/g, '"')
      .replace(/\bNone\b/g, 'null')
      .replace(/\bTrue\b/g, 'true')
      .replace(/\bFalse\b/g, 'false');
    const doc = JSON.parse(json) as { Statement: unknown[] };
    return { ...doc, Statement: doc.Statement.filter((s) => s !== null) };
  }
}

async function rolePolicies(roleName: string): Promise<Record<string, unknown>> {
  const names =
    (await clients.iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
  const out: Record<string, unknown> = {};
  for (const PolicyName of names) {
    const p = await clients.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName }));
    out[PolicyName] = parsePolicy(p.PolicyDocument ?? '');
  }
  return out;
}

/** The deployment branch rule the stack prints for `env` (repository acme/shop, branch main). */
const environmentSettings = (env: string) =>
  `Settings > Environments > ${env} > Deployment branches and tags: Selected branches and tags, add the rule "main" (branch) and no other; or: gh api -X PUT repos/acme/shop/environments/${env} -F "deployment_branch_policy[protected_branches]=false" -F "deployment_branch_policy[custom_branch_policies]=true" && gh api -X POST repos/acme/shop/environments/${env}/deployment-branch-policies -f name=main -f type=branch`;

test('the template deploys into moto and its outputs are the workflow inputs, pointing at what was built', async () => {
  const d = await deploy();
  const bucket = d.physical.ArtifactBucket ?? '';
  assert.ok(bucket, 'the stack created the artifact bucket');
  assert.deepEqual(d.outputs, {
    Region: REGION,
    Registry: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`,
    Repository: d.project,
    RepositoryUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${d.project}`,
    BuildRoleArn: `arn:aws:iam::${ACCOUNT}:role/${d.project}-github-build`,
    Bucket: bucket,
    OidcProviderArn: providerArn,
    DeployRoleArnStaging: `arn:aws:iam::${ACCOUNT}:role/${d.project}-github-deploy-staging`,
    KeyPrefixStaging: `${d.project}/staging`,
    EnvironmentSettingsStaging: environmentSettings('staging'),
    PipelineStaging: `${d.project}-staging`,
    DeployRoleArnProduction: `arn:aws:iam::${ACCOUNT}:role/${d.project}-github-deploy-production`,
    KeyPrefixProduction: `${d.project}/production`,
    EnvironmentSettingsProduction: environmentSettings('production'),
    PipelineProduction: `${d.project}-production`,
  });

  await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
  const sse = await clients.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
  assert.equal(
    sse.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
    'AES256',
  );
  await clients.s3.send(new HeadBucketCommand({ Bucket: d.physical.PipelineArtifactStore ?? '' }));

  const repo = (await clients.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [d.project] })))
    .repositories?.[0];
  assert.equal(repo?.repositoryUri, d.outputs.RepositoryUri);
  assert.equal(repo?.imageTagMutability, 'IMMUTABLE_WITH_EXCLUSION');
  assert.deepEqual(
    repo?.imageTagMutabilityExclusionFilters?.map((f) => f.filter),
    ['latest', 'staging', 'production'],
  );
});

test('every role moto created has exactly the trust and inline policies of the template', async () => {
  const d = await deploy();
  const roles = d.resolver.resourcesOfType('AWS::IAM::Role');
  assert.deepEqual(roles.sort(), [
    'BuildRole',
    'CodeBuildRoleProduction',
    'CodeBuildRoleStaging',
    'DeployRoleProduction',
    'DeployRoleStaging',
    'PipelineRoleProduction',
    'PipelineRoleStaging',
    'TriggerRoleProduction',
    'TriggerRoleStaging',
  ]);
  for (const id of roles) {
    const expected = d.resolver.properties(id) as {
      RoleName: string;
      AssumeRolePolicyDocument: unknown;
      Policies: { PolicyName: string; PolicyDocument: unknown }[];
    };
    const role = (await clients.iam.send(new GetRoleCommand({ RoleName: expected.RoleName }))).Role;
    assert.ok(role, `${expected.RoleName} exists`);
    assert.deepEqual(
      parsePolicy(role.AssumeRolePolicyDocument ?? ''),
      expected.AssumeRolePolicyDocument,
      `${id} trust`,
    );
    assert.deepEqual(
      await rolePolicies(expected.RoleName),
      Object.fromEntries(expected.Policies.map((p) => [p.PolicyName, p.PolicyDocument])),
      `${id} inline policies`,
    );
  }
});

test('in moto the GitHub roles trust the OIDC provider for their own sub claim and hold the docs/iam policies', async () => {
  const d = await deploy();
  const bucket = d.outputs.Bucket ?? '';
  const trustOf = async (name: string) =>
    parsePolicy(
      (await clients.iam.send(new GetRoleCommand({ RoleName: name }))).Role?.AssumeRolePolicyDocument ?? '',
    );
  const trust = (sub: string) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GitHubActionsOidc',
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': sub,
          },
        },
      },
    ],
  });
  assert.deepEqual(await trustOf(`${d.project}-github-build`), trust('repo:acme/shop:ref:refs/heads/main'));
  assert.deepEqual(
    await trustOf(`${d.project}-github-deploy-production`),
    trust('repo:acme/shop:environment:production'),
  );

  const values = { region: REGION, accountId: ACCOUNT, project: d.project, bucket };
  assert.deepEqual(await rolePolicies(`${d.project}-github-build`), {
    'slipway-ecr-push': renderPolicy('ecr-push', values),
  });
  for (const env of ['staging', 'production']) {
    assert.deepEqual(await rolePolicies(`${d.project}-github-deploy-${env}`), {
      'slipway-render-manifest': renderPolicy('render-manifest', {
        ...values,
        keyPrefix: `${d.project}/${env}`,
      }),
      'slipway-ecr-retag': renderPolicy('ecr-retag', values),
      'slipway-await-release': renderPolicy('await-release', {
        ...values,
        pipeline: `${d.project}-${env}`,
        buildProject: `${d.project}-deploy-${env}`,
      }),
    });
  }
});

test('with an existing bucket and IMMUTABLE tags the stack creates no bucket and a fully immutable repository', async () => {
  const existing = uniqueName('releases');
  await clients.s3.send(new CreateBucketCommand({ Bucket: existing }));
  const d = await deploy({ ExistingBucketName: existing, ImageTagMutability: 'IMMUTABLE' });
  assert.equal(d.physical.ArtifactBucket, undefined);
  assert.equal(d.outputs.Bucket, existing);
  const repo = (await clients.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [d.project] })))
    .repositories?.[0];
  assert.equal(repo?.imageTagMutability, 'IMMUTABLE');
  const policies = await rolePolicies(`${d.project}-github-deploy-staging`);
  assert.deepEqual(
    policies['slipway-render-manifest'],
    renderPolicy('render-manifest', {
      region: REGION,
      accountId: ACCOUNT,
      bucket: existing,
      keyPrefix: `${d.project}/staging`,
    }),
  );
});
