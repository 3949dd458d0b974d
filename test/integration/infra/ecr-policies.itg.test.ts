// The shipped ECR policies (docs/iam/ecr-login.json, ecr-push.json, ecr-retag.json) are sufficient
// and minimal, proven with moto's IAM enforcement: the built bundles, run with the keys of a user
// holding a policy's statements, do their work; with any one enforced action removed, the run
// fails with exit 1 and its error names that action.
//
// - ecr-login.json with ecr-login: logs in for the test bed's registry.
// - ecr-push.json with ecr-push: an OCI push through registry-url that creates the repository and
//   puts a lifecycle policy, a re-push with create-repository off that uploads nothing, and an
//   `ecr:` retag without registry-url (BatchGetImage + PutImage through the ECR API) gated by
//   scan-severity-threshold (DescribeImageScanFindings, StartImageScan: moto scans on request and
//   reports one HIGH finding).
// - ecr-retag.json with ecr-push `source: ecr:<digest>`, `create-repository: false` and no
//   registry-url: moves the environment tag from one image to another through the ECR API.
//
// Not provable on moto:
// - The repository scoping. moto authorises every ECR call against the resource "*" (its ECR
//   responses name no repository ARN), so a statement scoped to `repository/shop` allows nothing
//   there; the users hold the shipped statements with `Resource: "*"`, actions unchanged (pinned
//   below, and a user with the scoped statements is shown to be refused). The scoping itself is
//   pinned by test/unit/infra/iam-policies.test.ts.
// - The data-plane actions of ecr-push.json: ecr:BatchCheckLayerAvailability,
//   ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload and
//   ecr:GetDownloadUrlForLayer, and ecr:BatchGetImage / ecr:PutImage as the manifest reads and
//   writes of a push. On AWS they authorise the registry (OCI distribution API) requests of a push;
//   here those go to docker-registry (registry-url), which checks only the password, and moto
//   implements none of the layer operations. ecr:BatchGetImage and ecr:PutImage are proven through
//   the `ecr:` retag, which calls them on the ECR API.
// - An image pushed through registry-url is in docker-registry, not in moto, so moto cannot scan
//   it: scan-severity-threshold is proven on an image put into moto with the ECR API and retagged.
// - With registry-url (LocalStack, a local registry) an `ecr:` retag also calls
//   ecr:GetAuthorizationToken to read and write the manifest through that registry; ecr-retag.json
//   is for ECR itself, where the retag goes through the ECR API and needs no login.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetImageCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  PutImageCommand,
  CreateRepositoryCommand,
} from '@aws-sdk/client-ecr';
import {
  allText,
  createRestrictedUser,
  readOciLayout,
  restrictedUserRequests,
  runActionStep,
  startMoto,
  testbed,
  uniqueName,
  writeOciLayout,
  type ActionRun,
  type IamUserKeys,
  type MotoServer,
} from '@slipway/testbed';
import { actionsOf, renderPolicy, withoutAction, type PolicyDocument } from '../../../infra/policies.ts';
import { assertDenied, envWithKeys } from './iam-proof.ts';

const REGION = 'us-east-1';
/** moto's default account: its ECR token password is the test bed registry's password. */
const ACCOUNT = '123456789012';
const PROJECT = 'shop';

/** The actions of each policy moto enforces on the calls the action makes, and those it cannot. */
const ENFORCED = {
  'ecr-login': ['ecr:GetAuthorizationToken'],
  'ecr-push': [
    'ecr:GetAuthorizationToken',
    'ecr:DescribeRepositories',
    'ecr:CreateRepository',
    'ecr:PutLifecyclePolicy',
    'ecr:BatchGetImage',
    'ecr:PutImage',
    'ecr:DescribeImageScanFindings',
    'ecr:StartImageScan',
  ],
  'ecr-retag': ['ecr:DescribeRepositories', 'ecr:BatchGetImage', 'ecr:PutImage'],
} as const;
const NOT_PROVABLE_ON_MOTO: Record<keyof typeof ENFORCED, string[]> = {
  'ecr-login': [],
  'ecr-push': [
    'ecr:BatchCheckLayerAvailability',
    'ecr:InitiateLayerUpload',
    'ecr:UploadLayerPart',
    'ecr:CompleteLayerUpload',
    'ecr:GetDownloadUrlForLayer',
  ],
  'ecr-retag': [],
};
type Policy = keyof typeof ENFORCED;
const POLICIES = Object.keys(ENFORCED) as Policy[];

/** The shipped policy, filled in for the project `shop`. */
function shipped(name: Policy): PolicyDocument {
  return renderPolicy(name, { region: REGION, accountId: ACCOUNT, project: PROJECT });
}
/** The same statements with every resource widened to "*", the one resource moto checks ECR calls against. */
function onMoto(doc: PolicyDocument): PolicyDocument {
  return { ...doc, Statement: doc.Statement.map((st) => ({ ...st, Resource: '*' })) };
}

const work = mkdtempSync(join(tmpdir(), 'slw-ecr-iam-'));
let moto: MotoServer;
let admin: ECRClient;
/** Users by `<policy>` (the whole policy), `<policy> without <action>`, and `scoped`. */
const users = new Map<string, IamUserKeys>();
const userKey = (policy: Policy, without?: string) => (without ? `${policy} without ${without}` : policy);

before(async () => {
  const docs = new Map<string, PolicyDocument>();
  for (const name of POLICIES) {
    docs.set(userKey(name), onMoto(shipped(name)));
    for (const action of ENFORCED[name])
      docs.set(userKey(name, action), onMoto(withoutAction(shipped(name), action)));
  }
  // The repository-scoped statements as shipped: moto refuses them everything.
  docs.set('scoped', shipped('ecr-retag'));
  const adminPolicy = { Statement: [{ Effect: 'Allow' as const, Action: 'ecr:*', Resource: '*' }] };
  let unauthenticated = restrictedUserRequests(adminPolicy);
  for (const doc of docs.values()) unauthenticated += restrictedUserRequests(doc);
  moto = await startMoto({ initialNoAuthActionCount: unauthenticated });
  // Setup (repositories, images) goes through an administrator signing its requests.
  const adminKeys = await createRestrictedUser(moto, 'ecr-admin', adminPolicy);
  admin = new ECRClient({
    endpoint: moto.url,
    region: REGION,
    credentials: { accessKeyId: adminKeys.accessKeyId, secretAccessKey: adminKeys.secretAccessKey },
  });
  let i = 0;
  for (const [key, doc] of docs) users.set(key, await createRestrictedUser(moto, `ecr-user-${i++}`, doc));
});

after(async () => {
  admin?.destroy();
  await moto?.stop();
  rmSync(work, { recursive: true, force: true });
});

function keysOf(key: string): IamUserKeys {
  const keys = users.get(key);
  assert.ok(keys, `user ${key}`);
  return keys;
}

function envFor(key: string): Record<string, string | undefined> {
  return envWithKeys(moto, keysOf(key));
}

/** A workspace holding a one-tag OCI layout at `image/`. */
async function workspaceWithImage(seed: string): Promise<string> {
  const workspace = mkdtempSync(join(work, 'workspace-'));
  await writeOciLayout(join(workspace, 'image'), { layers: 2, layerSize: 20_000, seed, tag: '1.0' });
  return workspace;
}

/** Puts an image into moto's ECR with the API (moto has no data plane); returns its digest. */
async function putImage(repository: string, seed: string, tag: string): Promise<string> {
  const layout = mkdtempSync(join(work, 'image-'));
  await writeOciLayout(layout, { layers: 1, layerSize: 1_000, seed, tag: 'x' });
  const info = readOciLayout(layout);
  const manifest = readFileSync(join(layout, 'blobs', 'sha256', info.manifestDigest.slice(7)), 'utf8');
  const out = await admin.send(
    new PutImageCommand({ repositoryName: repository, imageManifest: manifest, imageTag: tag }),
  );
  return out.image?.imageId?.imageDigest ?? '';
}

async function digestOf(repository: string, tag: string): Promise<string | undefined> {
  const out = await admin.send(
    new BatchGetImageCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }),
  );
  return out.images?.[0]?.imageId?.imageDigest;
}

/** Pushes the workspace's OCI image to the test bed registry through registry-url. */
function pushOci(key: string, workspace: string, inputs: Record<string, string>): Promise<ActionRun> {
  return runActionStep('ecr-push', {
    workspace,
    inputs: { source: 'oci:image:1.0', 'registry-url': testbed().registry.url, ...inputs },
    env: envFor(key),
  });
}

/** An `ecr:` retag through the ECR API (no registry-url). */
function retag(key: string, inputs: Record<string, string>): Promise<ActionRun> {
  return runActionStep('ecr-push', { inputs: { 'registry-url': '', ...inputs }, env: envFor(key) });
}

/** A repository of the project (`shop/…`, inside the policy's `repository/shop/*`) with images. */
async function repositoryWith(...tags: string[]): Promise<{ repository: string; digests: string[] }> {
  const repository = `${PROJECT}/${uniqueName('api')}`;
  await admin.send(new CreateRepositoryCommand({ repositoryName: repository }));
  const digests: string[] = [];
  for (const tag of tags) digests.push(await putImage(repository, `${repository}-${tag}`, tag));
  return { repository, digests };
}

/** Neither the user's secret key nor the registry password is in anything the run printed or wrote. */
function assertNoSecrets(run: ActionRun, key: string, except?: RegExp): void {
  const text = except ? allText(run).replace(except, '') : allText(run);
  assert.ok(!text.includes(keysOf(key).secretAccessKey), 'the secret key is never printed');
  assert.ok(!text.includes(testbed().registry.password), 'the registry password is never printed');
}

for (const name of POLICIES) {
  test(`${name}: moto's users hold the shipped actions; only the resources are widened to "*"`, () => {
    const doc = shipped(name);
    assert.deepEqual(
      onMoto(doc).Statement.map(({ Resource: _, ...rest }) => rest),
      doc.Statement.map(({ Resource: _, ...rest }) => rest),
    );
    assert.deepEqual(
      actionsOf(doc).sort(),
      [...ENFORCED[name], ...NOT_PROVABLE_ON_MOTO[name]].sort(),
      'every action is either proven here or listed as not provable on moto',
    );
  });
}

test('moto authorises ECR calls against "*" only: the repository-scoped statements as shipped are refused', async () => {
  const { repository, digests } = await repositoryWith('git-1111111');
  const run = await retag('scoped', {
    repository,
    source: `ecr:${digests[0] ?? ''}`,
    tags: 'staging',
    'create-repository': 'false',
  });
  assertDenied(run, 'ecr:DescribeRepositories');
});

describe('ecr-login.json with ecr-login', () => {
  const login = (key: string) =>
    runActionStep('ecr-login', {
      inputs: { 'registry-url': testbed().registry.url },
      env: { ...envFor(key), DOCKER_CONFIG: mkdtempSync(join(work, 'docker-')) },
    });

  test('with exactly the policy the bundle logs in for the registry', async () => {
    const run = await login('ecr-login');
    assert.equal(run.exitCode, 0, run.output);
    assert.equal(run.outputs['docker-password'], testbed().registry.password);
    assert.equal(run.post?.exitCode, 0, run.post?.output);
    // The password is the docker-password output (masked); nowhere else.
    assertNoSecrets(run, 'ecr-login', /docker-password<<(ghadelimiter_[^\n]+)\n[^\n]*\n\1/);
  });

  test('without ecr:GetAuthorizationToken (a user with no policy at all) the run fails and the error names it', async () => {
    const run = await login(userKey('ecr-login', 'ecr:GetAuthorizationToken'));
    assertDenied(run, 'ecr:GetAuthorizationToken');
  });
});

describe('ecr-push.json with ecr-push', () => {
  test('with exactly the policy the bundle creates the repository, puts the lifecycle policy, and re-pushes with create-repository off', async () => {
    const repository = `${PROJECT}/${uniqueName('api')}`;
    const workspace = await workspaceWithImage(repository);
    const first = await pushOci('ecr-push', workspace, {
      repository,
      tags: 'git-abc1234',
      'lifecycle-policy': 'keep-last=5',
    });
    assert.equal(first.exitCode, 0, first.output);
    assert.match(first.output, /created the ECR repository/);
    assert.notEqual(first.outputs['pushed-bytes'], '0');
    const lifecycle = await admin.send(new GetLifecyclePolicyCommand({ repositoryName: repository }));
    assert.match(lifecycle.lifecyclePolicyText ?? '', /"countNumber":5/);

    const again = await pushOci('ecr-push', workspace, {
      repository,
      tags: 'git-abc1234',
      'create-repository': 'false',
    });
    assert.equal(again.exitCode, 0, again.output);
    assert.equal(again.outputs.digest, first.outputs.digest);
    assert.equal(again.outputs['pushed-bytes'], '0', 'every layer was already there');
    for (const run of [first, again]) assertNoSecrets(run, 'ecr-push');
  });

  test('with exactly the policy an ecr: retag through the ECR API passes scan-severity-threshold after starting the scan', async () => {
    const { repository, digests } = await repositoryWith('git-abc1234');
    const run = await retag('ecr-push', {
      repository,
      source: 'ecr:git-abc1234',
      tags: 'candidate',
      'scan-severity-threshold': 'CRITICAL',
    });
    assert.equal(run.exitCode, 0, run.output);
    assert.match(run.output, /no scan of sha256:[0-9a-f]{64} yet: starting one/);
    assert.match(run.summary, /none at or above CRITICAL \(1 HIGH\)/);
    assert.equal(await digestOf(repository, 'candidate'), digests[0]);
    assertNoSecrets(run, 'ecr-push');
  });

  /** The run that needs each action: a push through registry-url, or a scanned ecr: retag. */
  const needs = async (action: string, key: string): Promise<ActionRun> => {
    if (
      ['ecr:BatchGetImage', 'ecr:PutImage', 'ecr:DescribeImageScanFindings', 'ecr:StartImageScan'].includes(
        action,
      )
    ) {
      const { repository } = await repositoryWith('git-abc1234');
      return retag(key, {
        repository,
        source: 'ecr:git-abc1234',
        tags: 'candidate',
        'scan-severity-threshold': 'CRITICAL',
      });
    }
    const repository = `${PROJECT}/${uniqueName('api')}`;
    return pushOci(key, await workspaceWithImage(repository), {
      repository,
      tags: 'git-abc1234',
      'lifecycle-policy': 'keep-last=5',
    });
  };
  for (const action of ENFORCED['ecr-push']) {
    test(`without ${action} the run fails and the error names ${action}`, async () => {
      const key = userKey('ecr-push', action);
      const run = await needs(action, key);
      assertDenied(run, action);
      assertNoSecrets(run, key);
    });
  }
});

describe('ecr-retag.json with ecr-push source: ecr:<digest>', () => {
  const moveStaging = async (key: string) => {
    const { repository, digests } = await repositoryWith('git-1111111', 'git-2222222');
    const [deployed, next] = digests;
    // staging names the image deployed before (the same manifest as git-1111111); the deploy job
    // moves it onto the next one.
    await putImage(repository, `${repository}-git-1111111`, 'staging');
    assert.equal(await digestOf(repository, 'staging'), deployed);
    const run = await retag(key, {
      repository,
      source: `ecr:${next ?? ''}`,
      tags: 'staging',
      'create-repository': 'false',
    });
    return { run, repository, deployed: deployed ?? '', next: next ?? '' };
  };

  test('with exactly the policy the bundle moves the environment tag onto the digest, then finds it unchanged', async () => {
    const { run, repository, deployed, next } = await moveStaging('ecr-retag');
    assert.equal(run.exitCode, 0, run.output);
    assert.equal(run.outputs.digest, next);
    assert.equal(run.outputs['pushed-bytes'], '0');
    assert.match(run.summary, /`staging` \(moved/);
    assert.ok(run.output.includes(`(was ${deployed})`), run.output);
    assert.equal(await digestOf(repository, 'staging'), next);

    const again = await retag('ecr-retag', {
      repository,
      source: `ecr:${next}`,
      tags: 'staging',
      'create-repository': 'false',
    });
    assert.equal(again.exitCode, 0, again.output);
    assert.match(again.summary, /`staging` \(unchanged\)/);
    for (const r of [run, again]) assertNoSecrets(r, 'ecr-retag');
  });

  for (const action of ENFORCED['ecr-retag']) {
    test(`without ${action} the run fails and the error names ${action}`, async () => {
      const key = userKey('ecr-retag', action);
      const { run, repository, deployed } = await moveStaging(key);
      assertDenied(run, action);
      assert.equal(await digestOf(repository, 'staging'), deployed, 'the tag did not move');
      assertNoSecrets(run, key);
    });
  }
});
