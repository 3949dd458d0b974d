// The Slipway AWS stack, described in TypeScript and rendered to CloudFormation by
// scripts/generate-infra.ts. Why generated: CloudFormation cannot loop over a list of environments
// without a transform (and moto cannot deploy transforms), and the roles' permission policies must
// be the docs/iam documents themselves, not a copy that drifts. Everything here is plain data.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Document, Scalar, visit } from 'yaml';
import {
  OPTIONAL_STATEMENTS,
  mapStrings,
  placeholdersOf,
  readPolicy,
  type Placeholder,
  type PolicyName,
} from './policies.ts';

export interface InfraOptions {
  /** GitHub Environment names, one deploy role + pipeline each (also the S3 key prefix segment). */
  environments: string[];
  /** Environments whose pipeline gets a manual approval stage when the ProductionApproval parameter is true. */
  approvalEnvironments: string[];
}

export const DEFAULT_OPTIONS: InfraOptions = {
  environments: ['staging', 'production'],
  approvalEnvironments: ['production'],
};

export const TEMPLATE_PATH = fileURLToPath(new URL('./cloudformation/slipway.yaml', import.meta.url));
export const BUILDSPEC_PATH = fileURLToPath(new URL('./buildspec.yml', import.meta.url));

/** GitHub's OIDC issuer and the audience aws-actions/configure-aws-credentials asks for. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const OIDC_AUDIENCE = 'sts.amazonaws.com';

/** ECR allows at most five tag-mutability exclusion filters: `latest` plus one per environment. */
const MAX_ENVIRONMENTS = 4;
// Environment names become IAM role names (64 chars with the project), S3 key segments, pipeline
// names and ECR tags, so they are kept to what every one of those accepts.
const ENVIRONMENT_RE = /^[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?$/;

type Json = unknown;
type Resource = { Type: string; Condition?: string; Properties: Record<string, Json> } & Record<string, Json>;

const ref = (name: string) => ({ Ref: name });
const sub = (text: string, vars?: Record<string, Json>) =>
  vars ? { 'Fn::Sub': [text, vars] } : { 'Fn::Sub': text };
const getAtt = (resource: string, attribute: string) => ({ 'Fn::GetAtt': [resource, attribute] });
const ifc = (condition: string, whenTrue: Json, whenFalse: Json) => ({
  'Fn::If': [condition, whenTrue, whenFalse],
});
const noValue = ref('AWS::NoValue');

/** `staging` → `Staging`, `eu-prod` → `EuProd`: the logical-ID suffix of an environment's resources. */
export function logicalSuffix(environment: string): string {
  return environment
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** Checks generation options; throws with a message naming the bad value. */
export function validateOptions(opts: InfraOptions): void {
  if (opts.environments.length === 0) throw new Error('at least one environment is needed');
  if (opts.environments.length > MAX_ENVIRONMENTS) {
    throw new Error(
      `at most ${MAX_ENVIRONMENTS} environments (ECR allows 5 tag-mutability exclusions: latest + one per environment), got ${opts.environments.join(',')}`,
    );
  }
  const seen = new Set<string>();
  for (const env of opts.environments) {
    if (!ENVIRONMENT_RE.test(env)) {
      throw new Error(
        `environment "${env}" must be 1-16 characters of a-z, 0-9 and -, starting with a letter`,
      );
    }
    const id = logicalSuffix(env);
    if (seen.has(id)) throw new Error(`environments collide on the resource name ${id}: ${env}`);
    seen.add(id);
  }
  for (const env of opts.approvalEnvironments) {
    if (!opts.environments.includes(env)) {
      throw new Error(
        `approval environment "${env}" is not one of the environments ${opts.environments.join(',')}`,
      );
    }
  }
}

const bucketName = ifc('CreateBucket', ref('ArtifactBucket'), ref('ExistingBucketName'));
const oidcProviderArn = ifc('CreateOidcProvider', ref('GitHubOidcProvider'), ref('ExistingOidcProviderArn'));
const clusterName = (env: string) =>
  ifc(
    `Has${logicalSuffix(env)}EksClusterName`,
    ref(`${logicalSuffix(env)}EksClusterName`),
    ref('EksClusterName'),
  );
const namespace = (env: string) =>
  ifc(`Has${logicalSuffix(env)}Namespace`, ref(`${logicalSuffix(env)}Namespace`), ref('Project'));

/** CloudFormation conditions that switch a docs/iam optional statement on. */
const STATEMENT_CONDITIONS: Partial<Record<Placeholder, string>> = { KmsKeyArn: 'UseKmsKey' };

/**
 * A docs/iam policy as CloudFormation: every string with a placeholder becomes `Fn::Sub` with a
 * variable map holding exactly the placeholders it uses (pseudo parameters resolve by themselves),
 * and optional statements sit behind their condition.
 */
export function policyForTemplate(name: PolicyName, vars: Partial<Record<Placeholder, Json>>): Json {
  const doc = readPolicy(name);
  const statements = doc.Statement.map((st) => {
    const converted = mapStrings(st, (s) => {
      const used = [...placeholdersOf(s)].filter((p) => !p.startsWith('AWS::'));
      if (used.length === 0) return s.includes('${') ? sub(s) : s;
      const map: Record<string, Json> = {};
      for (const p of used) {
        const v = vars[p as Placeholder];
        if (v === undefined)
          throw new Error(`docs/iam/${name}.json uses \${${p}}, which the template does not provide`);
        map[p] = v;
      }
      return sub(s, map);
    });
    const optional = st.Sid ? OPTIONAL_STATEMENTS[st.Sid] : undefined;
    if (!optional) return converted;
    const condition = STATEMENT_CONDITIONS[optional];
    if (!condition) throw new Error(`no template condition for the optional statement ${st.Sid}`);
    return ifc(condition, converted, noValue);
  });
  return { Version: doc.Version, Statement: statements };
}

function githubTrust(subject: Json): Json {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GitHubActionsOidc',
        Effect: 'Allow',
        Principal: { Federated: oidcProviderArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: subject,
          },
        },
      },
    ],
  };
}

function serviceTrust(service: string, condition?: Json): Json {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  };
}

function privateBucketProperties(): Record<string, Json> {
  return {
    PublicAccessBlockConfiguration: {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    },
    // ACLs disabled: the bucket owner owns every object and no ACL can grant access. Slipway never
    // sends one, which is exactly what this setting demands.
    OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    BucketEncryption: {
      ServerSideEncryptionConfiguration: [
        ifc(
          'UseKmsKey',
          {
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: ref('KmsKeyArn') },
            BucketKeyEnabled: true,
          },
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ),
      ],
    },
  };
}

function tlsOnlyPolicy(bucketLogicalId: string): Resource {
  return {
    Type: 'AWS::S3::BucketPolicy',
    Properties: {
      Bucket: ref(bucketLogicalId),
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [getAtt(bucketLogicalId, 'Arn'), sub(`\${${bucketLogicalId}.Arn}/*`)],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
    },
  };
}

function parameters(opts: InfraOptions): Record<string, Json> {
  const params: Record<string, Json> = {
    Project: {
      Type: 'String',
      Description:
        'Project name: the ECR repository, the S3 key prefix <project>/<environment>, the default Kubernetes namespace and the prefix of every resource name.',
      AllowedPattern: '^[a-z][a-z0-9-]{0,28}[a-z0-9]$',
      ConstraintDescription: '2-30 characters of a-z, 0-9 and -, starting with a letter',
    },
    GitHubRepository: {
      Type: 'String',
      Description:
        'owner/repo whose workflows may assume the roles, spelled exactly as GitHub does (the sub claim is compared case-sensitively).',
      AllowedPattern: '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$',
      ConstraintDescription: 'owner/repo, e.g. acme/web-shop',
    },
    DefaultBranch: {
      Type: 'String',
      Default: 'main',
      Description: 'The only branch whose workflow runs may assume the build role (push images).',
      AllowedPattern: '^[A-Za-z0-9._/-]{1,200}$',
    },
    EksClusterName: {
      Type: 'String',
      Description: 'EKS cluster the pipelines deploy to (per-environment overrides below).',
      AllowedPattern: '^[0-9A-Za-z][A-Za-z0-9\\-_]{0,99}$',
    },
    ExistingOidcProviderArn: {
      Type: 'String',
      Default: '',
      Description:
        'ARN of the account’s existing token.actions.githubusercontent.com OIDC provider (there can be only one per account); empty creates it.',
      AllowedPattern:
        '^$|^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$',
    },
    ExistingBucketName: {
      Type: 'String',
      Default: '',
      Description:
        'Publish releases to this existing bucket instead of creating one. It must have versioning on and EventBridge notifications enabled.',
      AllowedPattern: '^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
    },
    KmsKeyArn: {
      Type: 'String',
      Default: '',
      Description:
        'KMS key for SSE-KMS on the artifact bucket (render-manifest sse: aws:kms); empty uses SSE-S3 (AES256).',
      AllowedPattern: '^$|^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$',
    },
    ImageTagMutability: {
      Type: 'String',
      Default: 'IMMUTABLE_WITH_EXCLUSION',
      AllowedValues: ['IMMUTABLE_WITH_EXCLUSION', 'IMMUTABLE'],
      Description:
        'IMMUTABLE_WITH_EXCLUSION: git-<sha> and version tags can never be overwritten, while latest and the environment tags move (ecr-push retags). IMMUTABLE: no tag ever moves.',
    },
    KeepImages: {
      Type: 'Number',
      Default: 100,
      MinValue: 1,
      MaxValue: 10000,
      Description: 'ECR lifecycle policy: keep the newest N images, expire older ones.',
    },
    RolloutTimeout: {
      Type: 'String',
      Default: '300s',
      AllowedPattern: '^[0-9]+(s|m|h)$',
      Description:
        'How long each workload may take to become ready before the deploy stage fails (kubectl duration).',
    },
    KubectlVersion: {
      Type: 'String',
      Default: '',
      AllowedPattern: '^$|^v[0-9]+\\.[0-9]+\\.[0-9]+$',
      Description: 'kubectl to install in CodeBuild (e.g. v1.33.1); empty uses the image’s kubectl.',
    },
    CodeBuildImage: {
      Type: 'String',
      Default: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
      Description: 'CodeBuild image for the deploy builds (needs the AWS CLI, bash, unzip and curl).',
    },
  };
  if (opts.approvalEnvironments.length > 0) {
    params.ProductionApproval = {
      Type: 'String',
      Default: 'false',
      AllowedValues: ['true', 'false'],
      Description: `Add a manual approval stage before the deploy in ${opts.approvalEnvironments.join(', ')} (in addition to any GitHub Environment reviewers).`,
    };
  }
  for (const env of opts.environments) {
    const id = logicalSuffix(env);
    params[`${id}EksClusterName`] = {
      Type: 'String',
      Default: '',
      Description: `EKS cluster for ${env}; empty uses EksClusterName.`,
      AllowedPattern: '^$|^[0-9A-Za-z][A-Za-z0-9\\-_]{0,99}$',
    };
    params[`${id}Namespace`] = {
      Type: 'String',
      Default: '',
      Description: `Kubernetes namespace for ${env} (it must exist); empty uses the project name.`,
      AllowedPattern: '^$|^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$',
    };
  }
  return params;
}

function conditions(opts: InfraOptions): Record<string, Json> {
  const conds: Record<string, Json> = {
    CreateOidcProvider: { 'Fn::Equals': [ref('ExistingOidcProviderArn'), ''] },
    CreateBucket: { 'Fn::Equals': [ref('ExistingBucketName'), ''] },
    UseKmsKey: { 'Fn::Not': [{ 'Fn::Equals': [ref('KmsKeyArn'), ''] }] },
    TagExclusions: { 'Fn::Equals': [ref('ImageTagMutability'), 'IMMUTABLE_WITH_EXCLUSION'] },
    InstallKubectl: { 'Fn::Not': [{ 'Fn::Equals': [ref('KubectlVersion'), ''] }] },
  };
  if (opts.approvalEnvironments.length > 0) {
    conds.ApprovalEnabled = { 'Fn::Equals': [ref('ProductionApproval'), 'true'] };
  }
  for (const env of opts.environments) {
    const id = logicalSuffix(env);
    conds[`Has${id}EksClusterName`] = { 'Fn::Not': [{ 'Fn::Equals': [ref(`${id}EksClusterName`), ''] }] };
    conds[`Has${id}Namespace`] = { 'Fn::Not': [{ 'Fn::Equals': [ref(`${id}Namespace`), ''] }] };
  }
  return conds;
}

function sharedResources(opts: InfraOptions): Record<string, Resource> {
  return {
    GitHubOidcProvider: {
      Type: 'AWS::IAM::OIDCProvider',
      Condition: 'CreateOidcProvider',
      // No thumbprint: IAM trusts GitHub's issuer through its own root CA store.
      Properties: { Url: `https://${GITHUB_OIDC_HOST}`, ClientIdList: [OIDC_AUDIENCE] },
    },
    BuildRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: sub('${Project}-github-build'),
        Description: sub(
          'Slipway build: ecr-login + ecr-push from ${GitHubRepository} on ${DefaultBranch} only (no pull requests, no other branches).',
        ),
        MaxSessionDuration: 3600,
        AssumeRolePolicyDocument: githubTrust(
          sub('repo:${GitHubRepository}:ref:refs/heads/${DefaultBranch}'),
        ),
        Policies: [
          {
            PolicyName: 'slipway-ecr-push',
            PolicyDocument: policyForTemplate('ecr-push', { Project: ref('Project') }),
          },
        ],
      },
    },
    EcrRepository: {
      Type: 'AWS::ECR::Repository',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        RepositoryName: ref('Project'),
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: ref('ImageTagMutability'),
        // The moving tags ecr-push writes (latest on the default branch, one per environment on
        // deploy) are the only exceptions to immutability.
        ImageTagMutabilityExclusionFilters: ifc(
          'TagExclusions',
          ['latest', ...opts.environments].map((tag) => ({
            ImageTagMutabilityExclusionFilterType: 'WILDCARD',
            ImageTagMutabilityExclusionFilterValue: tag,
          })),
          noValue,
        ),
        LifecyclePolicy: {
          LifecyclePolicyText: sub(
            JSON.stringify({
              rules: [
                {
                  rulePriority: 1,
                  description: 'Keep the newest KeepImages images',
                  selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 0 },
                  action: { type: 'expire' },
                },
              ],
            }).replace('"countNumber":0', '"countNumber":${KeepImages}'),
          ),
        },
      },
    },
    ArtifactBucket: {
      Type: 'AWS::S3::Bucket',
      Condition: 'CreateBucket',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        // CodePipeline's S3 source requires versioning; render-manifest warns when it is off.
        VersioningConfiguration: { Status: 'Enabled' },
        ...privateBucketProperties(),
        // Object Created events go to EventBridge directly (no CloudTrail data events needed), which
        // is what starts each environment's pipeline.
        NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'ExpireReplacedStableKeys',
              Status: 'Enabled',
              // deploy.zip and releases.json are overwritten on every release; the release files
              // themselves are never overwritten, so only those old versions expire.
              NoncurrentVersionExpiration: { NoncurrentDays: 90 },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            },
          ],
        },
      },
    },
    ArtifactBucketPolicy: { ...tlsOnlyPolicy('ArtifactBucket'), Condition: 'CreateBucket' },
    PipelineArtifactStore: {
      Type: 'AWS::S3::Bucket',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        ...privateBucketProperties(),
        LifecycleConfiguration: {
          Rules: [{ Id: 'ExpirePipelineArtifacts', Status: 'Enabled', ExpirationInDays: 30 }],
        },
      },
    },
    PipelineArtifactStorePolicy: tlsOnlyPolicy('PipelineArtifactStore'),
  };
}

function environmentResources(env: string, opts: InfraOptions, buildspec: string): Record<string, Resource> {
  const id = logicalSuffix(env);
  const keyPrefix = { 'Fn::Join': ['/', [ref('Project'), env]] };
  const stableKey = { 'Fn::Join': ['/', [ref('Project'), env, 'deploy.zip']] };
  const pipelineName = sub(`\${Project}-${env}`);
  const buildProjectName = `\${Project}-deploy-${env}`;
  const logGroupName = `/aws/codebuild/${buildProjectName}`;
  const withApproval = opts.approvalEnvironments.includes(env);
  const sourceBucketArn = sub('arn:${AWS::Partition}:s3:::${Bucket}', { Bucket: bucketName });

  const kmsThroughS3 = ifc(
    'UseKmsKey',
    {
      Sid: 'DecryptReleaseThroughS3',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: ref('KmsKeyArn'),
      Condition: { StringEquals: { 'kms:ViaService': sub('s3.${AWS::Region}.amazonaws.com') } },
    },
    noValue,
  );

  const stages: Json[] = [
    {
      Name: 'Source',
      Actions: [
        {
          Name: 'Release',
          ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'S3', Version: '1' },
          // EventBridge starts the pipeline (rule below); polling would add minutes of delay.
          Configuration: { S3Bucket: bucketName, S3ObjectKey: stableKey, PollForSourceChanges: false },
          OutputArtifacts: [{ Name: 'Release' }],
          RunOrder: 1,
        },
      ],
    },
  ];
  if (withApproval) {
    stages.push(
      ifc(
        'ApprovalEnabled',
        {
          Name: 'Approve',
          Actions: [
            {
              Name: 'Approve',
              ActionTypeId: { Category: 'Approval', Owner: 'AWS', Provider: 'Manual', Version: '1' },
              Configuration: { CustomData: sub(`Approve the deploy of \${Project} to ${env}`) },
              RunOrder: 1,
            },
          ],
        },
        noValue,
      ),
    );
  }
  stages.push({
    Name: 'Deploy',
    Actions: [
      {
        Name: 'KubectlApply',
        ActionTypeId: { Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' },
        Configuration: { ProjectName: ref(`DeployProject${id}`) },
        InputArtifacts: [{ Name: 'Release' }],
        RunOrder: 1,
      },
    ],
  });

  return {
    [`DeployRole${id}`]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: sub(`\${Project}-github-deploy-${env}`),
        Description: sub(
          `Slipway deploy to ${env}: render-manifest publish + environment retag + await-release, only from jobs of \${GitHubRepository} in the GitHub Environment ${env}.`,
        ),
        MaxSessionDuration: 3600,
        AssumeRolePolicyDocument: githubTrust(sub(`repo:\${GitHubRepository}:environment:${env}`)),
        Policies: [
          {
            PolicyName: 'slipway-render-manifest',
            PolicyDocument: policyForTemplate('render-manifest', {
              Bucket: bucketName,
              KeyPrefix: keyPrefix,
              KmsKeyArn: ref('KmsKeyArn'),
            }),
          },
          {
            PolicyName: 'slipway-ecr-retag',
            PolicyDocument: policyForTemplate('ecr-retag', { Project: ref('Project') }),
          },
          {
            // await-release follows the release through this environment's pipeline, read-only.
            PolicyName: 'slipway-await-release',
            PolicyDocument: policyForTemplate('await-release', {
              Pipeline: pipelineName,
              BuildProject: sub(buildProjectName),
            }),
          },
        ],
      },
    },
    [`DeployLogGroup${id}`]: {
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: { LogGroupName: sub(logGroupName), RetentionInDays: 90 },
    },
    [`CodeBuildRole${id}`]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: sub(`\${Project}-codebuild-${env}`),
        Description: `Slipway: CodeBuild applying releases to EKS in ${env}.`,
        AssumeRolePolicyDocument: serviceTrust('codebuild.amazonaws.com', {
          // Confused-deputy guard: only CodeBuild acting for this account may assume the role.
          StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
        }),
        Policies: [
          {
            PolicyName: 'slipway-deploy-build',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'WriteBuildLogs',
                  Effect: 'Allow',
                  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                  Resource: sub(
                    `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${logGroupName}:*`,
                  ),
                },
                {
                  Sid: 'ReadPipelineInput',
                  Effect: 'Allow',
                  Action: ['s3:GetObject', 's3:GetObjectVersion'],
                  Resource: sub('${PipelineArtifactStore.Arn}/*'),
                },
                {
                  Sid: 'ReadPipelineStoreLocation',
                  Effect: 'Allow',
                  Action: ['s3:GetBucketAcl', 's3:GetBucketLocation'],
                  Resource: getAtt('PipelineArtifactStore', 'Arn'),
                },
                {
                  Sid: 'WriteKubeconfig',
                  Effect: 'Allow',
                  Action: 'eks:DescribeCluster',
                  Resource: sub(
                    'arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}:cluster/${Cluster}',
                    {
                      Cluster: clusterName(env),
                    },
                  ),
                },
              ],
            },
          },
        ],
      },
    },
    [`DeployProject${id}`]: {
      Type: 'AWS::CodeBuild::Project',
      Properties: {
        Name: sub(buildProjectName),
        Description: sub(`Slipway: kubectl apply of \${Project} releases to ${env}`),
        ServiceRole: getAtt(`CodeBuildRole${id}`, 'Arn'),
        // infra/buildspec.yml, inlined at generation time: the release zip carries only manifests.
        Source: { Type: 'CODEPIPELINE', BuildSpec: buildspec },
        Artifacts: { Type: 'CODEPIPELINE' },
        TimeoutInMinutes: 30,
        Environment: {
          Type: 'LINUX_CONTAINER',
          ComputeType: 'BUILD_GENERAL1_SMALL',
          Image: ref('CodeBuildImage'),
          EnvironmentVariables: [
            { Name: 'EKS_CLUSTER_NAME', Type: 'PLAINTEXT', Value: clusterName(env) },
            { Name: 'KUBE_NAMESPACE', Type: 'PLAINTEXT', Value: namespace(env) },
            { Name: 'DEPLOY_ENV', Type: 'PLAINTEXT', Value: env },
            { Name: 'ROLLOUT_TIMEOUT', Type: 'PLAINTEXT', Value: ref('RolloutTimeout') },
            ifc(
              'InstallKubectl',
              { Name: 'KUBECTL_VERSION', Type: 'PLAINTEXT', Value: ref('KubectlVersion') },
              noValue,
            ),
          ],
        },
        LogsConfig: { CloudWatchLogs: { Status: 'ENABLED', GroupName: ref(`DeployLogGroup${id}`) } },
      },
    },
    [`EksAccessEntry${id}`]: {
      Type: 'AWS::EKS::AccessEntry',
      Properties: {
        ClusterName: clusterName(env),
        PrincipalArn: getAtt(`CodeBuildRole${id}`, 'Arn'),
        Type: 'STANDARD',
        // Edit rights in the project namespace only: enough to apply and watch workloads, not to
        // touch RBAC, other namespaces or cluster-scoped objects.
        AccessPolicies: [
          {
            PolicyArn: sub('arn:${AWS::Partition}:eks::aws:cluster-access-policy/AmazonEKSEditPolicy'),
            AccessScope: { Type: 'namespace', Namespaces: [namespace(env)] },
          },
        ],
      },
    },
    [`PipelineRole${id}`]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: sub(`\${Project}-codepipeline-${env}`),
        Description: `Slipway: CodePipeline for ${env}.`,
        AssumeRolePolicyDocument: serviceTrust('codepipeline.amazonaws.com'),
        Policies: [
          {
            PolicyName: 'slipway-pipeline',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'ReadStableKey',
                  Effect: 'Allow',
                  Action: ['s3:GetObject', 's3:GetObjectVersion'],
                  Resource: sub(`arn:\${AWS::Partition}:s3:::\${Bucket}/\${Project}/${env}/deploy.zip`, {
                    Bucket: bucketName,
                  }),
                },
                {
                  Sid: 'InspectBuckets',
                  Effect: 'Allow',
                  Action: ['s3:GetBucketVersioning', 's3:GetBucketAcl', 's3:GetBucketLocation'],
                  Resource: [sourceBucketArn, getAtt('PipelineArtifactStore', 'Arn')],
                },
                {
                  Sid: 'UsePipelineArtifactStore',
                  Effect: 'Allow',
                  Action: ['s3:PutObject', 's3:PutObjectAcl', 's3:GetObject', 's3:GetObjectVersion'],
                  Resource: sub('${PipelineArtifactStore.Arn}/*'),
                },
                {
                  Sid: 'RunDeployBuild',
                  Effect: 'Allow',
                  Action: ['codebuild:StartBuild', 'codebuild:BatchGetBuilds'],
                  // Built from the name rather than GetAtt so the role does not wait for the project.
                  Resource: sub(
                    `arn:\${AWS::Partition}:codebuild:\${AWS::Region}:\${AWS::AccountId}:project/${buildProjectName}`,
                  ),
                },
                kmsThroughS3,
              ],
            },
          },
        ],
      },
    },
    [`Pipeline${id}`]: {
      Type: 'AWS::CodePipeline::Pipeline',
      Properties: {
        Name: pipelineName,
        PipelineType: 'V2',
        // A newer release overtakes one still waiting (e.g. at the approval): deploy the latest.
        ExecutionMode: 'SUPERSEDED',
        RoleArn: getAtt(`PipelineRole${id}`, 'Arn'),
        ArtifactStore: { Type: 'S3', Location: ref('PipelineArtifactStore') },
        Stages: stages,
      },
    },
    [`TriggerRole${id}`]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: sub(`\${Project}-events-${env}`),
        Description: `Slipway: EventBridge starting the ${env} pipeline.`,
        AssumeRolePolicyDocument: serviceTrust('events.amazonaws.com'),
        Policies: [
          {
            PolicyName: 'slipway-start-pipeline',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'StartPipeline',
                  Effect: 'Allow',
                  Action: 'codepipeline:StartPipelineExecution',
                  Resource: sub(
                    `arn:\${AWS::Partition}:codepipeline:\${AWS::Region}:\${AWS::AccountId}:\${Project}-${env}`,
                  ),
                },
              ],
            },
          },
        ],
      },
    },
    [`Trigger${id}`]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: sub(
          `Start \${Project}-${env} when render-manifest writes \${Project}/${env}/deploy.zip`,
        ),
        State: 'ENABLED',
        EventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: { bucket: { name: [bucketName] }, object: { key: [stableKey] } },
        },
        Targets: [
          {
            Id: 'pipeline',
            Arn: sub(
              `arn:\${AWS::Partition}:codepipeline:\${AWS::Region}:\${AWS::AccountId}:\${Project}-${env}`,
            ),
            RoleArn: getAtt(`TriggerRole${id}`, 'Arn'),
          },
        ],
      },
    },
  };
}

function outputs(opts: InfraOptions): Record<string, Json> {
  const out: Record<string, Json> = {
    Region: {
      Description: 'aws-region of build-push.yml and deploy.yml (the region input of every action).',
      Value: ref('AWS::Region'),
    },
    Registry: {
      Description: 'ECR registry host (ecr-login registries, docker login, the registry output of ecr-push).',
      Value: sub('${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}'),
    },
    Repository: {
      Description:
        'repository of build-push.yml, and of deploy.yml to move the environment tag (ecr-push repository).',
      Value: ref('EcrRepository'),
    },
    RepositoryUri: {
      Description: 'Image repository URI, without tag or digest (the image output of ecr-push).',
      Value: getAtt('EcrRepository', 'RepositoryUri'),
    },
    BuildRoleArn: {
      Description: 'build-role-arn of build-push.yml: the role of the build job (default branch only).',
      Value: getAtt('BuildRole', 'Arn'),
    },
    Bucket: { Description: 'bucket of deploy.yml (render-manifest bucket).', Value: bucketName },
    OidcProviderArn: { Description: 'The GitHub OIDC provider the roles trust.', Value: oidcProviderArn },
  };
  for (const env of opts.environments) {
    const id = logicalSuffix(env);
    out[`DeployRoleArn${id}`] = {
      Description: `deploy-role-arn of deploy.yml with environment: ${env} (the job runs in the GitHub Environment ${env}).`,
      Value: getAtt(`DeployRole${id}`, 'Arn'),
    };
    out[`KeyPrefix${id}`] = {
      Description: `key-prefix of deploy.yml for ${env}; equal to render-manifest's default <project>/<environment>.`,
      Value: { 'Fn::Join': ['/', [ref('Project'), env]] },
    };
    // The role trusts any job of the repository that declares `environment: <env>`, from any
    // branch: only the environment's deployment branch rule keeps other branches out.
    out[`EnvironmentSettings${id}`] = {
      Description: `GitHub settings the ${env} deploy role relies on: it trusts every job that runs in the Environment ${env}, whatever the branch, so restrict the Environment to the default branch.`,
      Value: sub(
        `Settings > Environments > ${env} > Deployment branches and tags: Selected branches and tags, add the rule "\${DefaultBranch}" (branch) and no other; or: gh api -X PUT repos/\${GitHubRepository}/environments/${env} -F "deployment_branch_policy[protected_branches]=false" -F "deployment_branch_policy[custom_branch_policies]=true" && gh api -X POST repos/\${GitHubRepository}/environments/${env}/deployment-branch-policies -f name=\${DefaultBranch} -f type=branch`,
      ),
    };
    out[`Pipeline${id}`] = {
      Description: `CodePipeline applying ${env} releases to EKS.`,
      Value: sub(`\${Project}-${env}`),
    };
  }
  return out;
}

/** The CloudFormation template as a JSON value. */
export function buildTemplate(
  opts: InfraOptions = DEFAULT_OPTIONS,
  buildspec = readFileSync(BUILDSPEC_PATH, 'utf8'),
) {
  validateOptions(opts);
  const resources: Record<string, Resource> = sharedResources(opts);
  for (const env of opts.environments) Object.assign(resources, environmentResources(env, opts, buildspec));
  const envParams = opts.environments.flatMap((env) => [
    `${logicalSuffix(env)}EksClusterName`,
    `${logicalSuffix(env)}Namespace`,
  ]);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Slipway: GitHub OIDC roles, ECR repository, artifact bucket and per-environment CodePipeline → CodeBuild → EKS deploys (${opts.environments.join(', ')}).`,
    Metadata: {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [
          {
            Label: { default: 'Project and GitHub' },
            Parameters: ['Project', 'GitHubRepository', 'DefaultBranch'],
          },
          {
            Label: { default: 'Kubernetes' },
            Parameters: [
              'EksClusterName',
              ...envParams,
              'RolloutTimeout',
              'KubectlVersion',
              'CodeBuildImage',
            ],
          },
          { Label: { default: 'Images' }, Parameters: ['ImageTagMutability', 'KeepImages'] },
          {
            Label: { default: 'Reuse and options' },
            Parameters: [
              'ExistingOidcProviderArn',
              'ExistingBucketName',
              'KmsKeyArn',
              ...(opts.approvalEnvironments.length > 0 ? ['ProductionApproval'] : []),
            ],
          },
        ],
      },
    },
    Parameters: parameters(opts),
    Conditions: conditions(opts),
    Resources: resources,
    Outputs: outputs(opts),
  };
}

export const GENERATED_HEADER = `# Generated by scripts/generate-infra.ts from infra/template.ts, docs/iam/*.json and infra/buildspec.yml.
# Do not edit: change those and run \`npx tsx scripts/generate-infra.ts\` (CI fails when this file is stale).
`;

/** The template as the YAML file shipped in infra/cloudformation/. */
export function templateYaml(opts: InfraOptions = DEFAULT_OPTIONS, buildspec?: string): string {
  const doc = new Document(buildTemplate(opts, buildspec), { aliasDuplicateObjects: false });
  // Quote date-like strings (2012-10-17): YAML 1.1 readers such as PyYAML would load them as dates.
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(node.value))
        node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return GENERATED_HEADER + doc.toString({ lineWidth: 0 });
}
