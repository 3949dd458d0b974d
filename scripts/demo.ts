/**
 * The demo behind `npm run demo`: one main-branch push of the sample service in demo/, through
 * every Slipway action, run from dist/ exactly as a GitHub runner runs them, against the local
 * test bed (moto for ECR/S3/STS, a real OCI registry, the Slack and cache-service doubles).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import {
  awsEnv,
  createGitRepository,
  runActionStep,
  startPipelineStandIn,
  withTestbed,
  writeOciImageFromDir,
  type ActionRun,
  type TestbedEndpoints,
} from '@slipway/testbed';
import { repoRoot } from './lib/actions.ts';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const indent = (s: string) =>
  s
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');

/** Prints what a step did: its outputs and job summary, or why it failed (and stops the demo). */
function report(title: string, run: ActionRun): ActionRun {
  console.log(`\n${bold(`▶ ${title}`)}  (exit ${run.exitCode}, ${Math.round(run.durationMs)} ms)`);
  const problems = run.annotations.filter((a) => a.level !== 'notice');
  for (const a of problems) console.log(`    [${a.level}] ${a.message}`);
  if (run.exitCode !== 0) {
    console.log(indent(run.output));
    throw new Error(`${title} failed`);
  }
  const outputs = Object.entries(run.outputs).filter(([k]) => k !== 'docker-password');
  if (outputs.length) console.log(`  outputs:\n${outputs.map(([k, v]) => `    ${k} = ${v}`).join('\n')}`);
  if (run.summary.trim()) console.log(`  job summary:\n${indent(run.summary)}`);
  if (run.post)
    console.log(
      `  post step: exit ${run.post.exitCode}${run.post.summary.trim() ? `\n${indent(run.post.summary)}` : ''}`,
    );
  return run;
}

async function demo(endpoints: TestbedEndpoints): Promise<void> {
  const workspace = mkdtempSync(join(tmpdir(), 'slipway-demo-'));
  cpSync(join(repoRoot, 'demo'), workspace, { recursive: true });
  const home = join(workspace, '.home');
  const aws = awsEnv();
  const bucket = 'shop-deployments';
  const registryUrl = endpoints.registry.url;
  let jobEnv: Record<string, string> = {};
  const step = async (
    title: string,
    name: string,
    inputs: Record<string, string>,
    env: Record<string, string> = {},
  ) => {
    const run = report(
      title,
      await runActionStep(name, { inputs, env: { ...jobEnv, ...env }, workspace, home }),
    );
    jobEnv = { ...jobEnv, ...run.env };
    return run;
  };

  console.log(bold('Slipway demo: a push to main of the sample service in demo/service'));
  console.log(
    `test bed: moto ${endpoints.moto.url}, registry ${registryUrl}, Slack ${endpoints.slack.url}, cache ${endpoints.cache.url}`,
  );

  // The receiving end infra/ would create: a versioned artifact bucket.
  const credentials = {
    accessKeyId: aws.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: aws.AWS_SECRET_ACCESS_KEY ?? '',
  };
  const s3 = new S3Client({
    region: aws.AWS_REGION,
    endpoint: endpoints.moto.url,
    forcePathStyle: true,
    credentials,
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  s3.destroy();

  const slack = { SLACK_API_URL: `${endpoints.slack.url}api/` };
  const token = 'xoxb-demo-0000-slipway';
  const started = await step(
    'slack-notify: the deployment starts',
    'slack-notify',
    { token, channel: 'C0DEPLOYS', status: 'started', title: 'shop: deploy {{ short_sha }}' },
    slack,
  );

  // The service's dependency comes from a vendored tarball, so npm ci works offline and still fills
  // npm's download cache. A runner runs test-cache, then npm ci, then the post step saves; the
  // harness runs a step's post right after its main, so the first run installs before the step.
  const npmCi = () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));
    const r = spawnSync('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
      cwd: join(workspace, 'service'),
      env: { ...env, HOME: home },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`npm ci in demo/service failed: ${r.stderr || r.stdout}`);
  };
  npmCi();
  const firstRun = await step('test-cache: the first run saves the npm cache npm ci filled', 'test-cache', {
    ecosystem: 'node',
  });
  // The next run, on a fresh runner: no npm cache until test-cache restores it.
  rmSync(join(home, '.npm'), { recursive: true, force: true });
  const nextRun = await step('test-cache: the next run restores it', 'test-cache', { ecosystem: 'node' });
  const restored = existsSync(join(home, '.npm', '_cacache'));
  npmCi();
  console.log(
    `    npm cache: ${firstRun.post?.outputs['saved-size'] ?? '0'} bytes saved by the first run; the next run restored it (cache-hit ${nextRun.outputs['cache-hit'] ?? ''}, ${restored ? "npm's _cacache is back" : 'nothing came back'}) and npm ci --offline installed shop-banner`,
  );

  const login = await step(
    'ecr-login: ECR credentials for the Docker client',
    'ecr-login',
    { 'registry-url': registryUrl },
    aws,
  );

  const imageDir = join(workspace, 'image');
  const built = await writeOciImageFromDir(imageDir, {
    root: join(workspace, 'service'),
    files: [
      'package.json',
      'server.js',
      'node_modules/shop-banner/package.json',
      'node_modules/shop-banner/index.js',
    ],
    prefix: 'app',
    config: { Cmd: ['node', '/app/server.js'], WorkingDir: '/app', Env: ['PORT=8080'] },
    tag: 'latest',
  });
  console.log(
    `\n${bold('▶ build: an OCI image of demo/service without a daemon')}\n    ${imageDir} (manifest ${built})`,
  );

  const push = await step(
    'ecr-push: the image into the shop repository',
    'ecr-push',
    { repository: 'shop', source: 'oci:image:latest', 'registry-url': registryUrl },
    aws,
  );
  const imageRef = push.outputs['image-ref'] ?? '';
  const firstTag = (JSON.parse(push.outputs.tags ?? '[]') as string[])[0] ?? '';

  // The receiving end: a CodePipeline (stand-in) watching the artifact key, whose CodeBuild
  // action runs infra/buildspec.yml against kubectl and aws doubles.
  const pipeline = await startPipelineStandIn({
    moto: endpoints.moto,
    pipeline: 'shop-staging',
    bucket,
    key: 'shop/staging/deploy.zip',
    buildEnv: { EKS_CLUSTER_NAME: 'acme-staging', KUBE_NAMESPACE: 'shop', ROLLOUT_TIMEOUT: '90s' },
  });
  const pipelineEnv = {
    ...aws,
    AWS_ENDPOINT_URL_CODEPIPELINE: pipeline.url,
    AWS_ENDPOINT_URL_CODEBUILD: pipeline.url,
  };
  const manifestsDir = join(workspace, 'rendered');
  const renderInputs = {
    templates: 'deploy/*.yaml.j2',
    'values-files': 'deploy/values-staging.yaml',
    environment: 'staging',
    project: 'shop',
    image: imageRef,
    bucket,
    'output-dir': 'rendered',
  };
  let render: ActionRun;
  let live: ActionRun;
  try {
    render = await step(
      'render-manifest: staging manifests, validated and published to S3',
      'render-manifest',
      renderInputs,
      aws,
    );
    live = await step(
      'await-release: CodePipeline picks the release up, CodeBuild applies it; follow it until it is live',
      'await-release',
      {
        pipeline: 'shop-staging',
        'version-id': render.outputs['artifact-version-id'] ?? '',
        interval: '200ms',
      },
      pipelineEnv,
    );

    // A second release whose rollout fails: the step fails and shows the build's log tail.
    pipeline.setPlan({ rollout: 'timeout' });
    const broken = await step(
      'render-manifest: the next release (its rollout will time out)',
      'render-manifest',
      { ...renderInputs, version: `${render.outputs.version ?? 'demo'}-2`, 'output-dir': 'rendered-2' },
      aws,
    );
    const failed = await runActionStep('await-release', {
      inputs: {
        pipeline: 'shop-staging',
        'version-id': broken.outputs['artifact-version-id'] ?? '',
        interval: '200ms',
      },
      env: { ...jobEnv, ...pipelineEnv },
      workspace,
      home,
    });
    console.log(
      `\n${bold('▶ await-release: a failing rollout is reported as failed')}  (exit ${failed.exitCode}, status ${failed.outputs.status}, failed stage ${failed.outputs['failed-stage']})`,
    );
    console.log(`  job summary:\n${indent(failed.summary)}`);
    if (failed.exitCode !== 1 || failed.outputs.status !== 'failed')
      throw new Error('the failing rollout was not reported');
    pipeline.setPlan({ rollout: 'ok' });
  } finally {
    await pipeline.stop();
  }

  // GitOps teams: the same release committed into a config repository that Argo CD or Flux syncs.
  const configRepo = createGitRepository(endpoints.git.root, 'acme/k8s-config', {
    tokens: { 'demo-config-token': 'write' },
    files: { 'README.md': '# config\n' },
  });
  await step('gitops-publish: the same release committed to the config repository', 'gitops-publish', {
    repository: `${endpoints.git.url}acme/k8s-config.git`,
    token: 'demo-config-token',
    project: 'shop',
    environment: 'staging',
    version: render.outputs.version ?? '',
    'manifests-dir': manifestsDir,
  });
  console.log(
    `\n${bold('▶ the config repository, as Argo CD or Flux would sync it')}\n${indent(
      execFileSync('git', ['--git-dir', configRepo, 'log', '--stat', '-1', '--format=%h %s'], {
        encoding: 'utf8',
      }),
    )}`,
  );

  const retag = await step(
    'ecr-push: move the staging tag onto the deployed image',
    'ecr-push',
    {
      repository: 'shop',
      source: `ecr:${firstTag}`,
      tags: 'staging',
      'registry-url': registryUrl,
    },
    aws,
  );

  await step(
    'slack-notify: the same message, updated in place',
    'slack-notify',
    {
      token,
      channel: started.outputs.channel ?? '',
      'message-ts': started.outputs.ts ?? '',
      status: 'success',
      title: 'shop: deploy {{ short_sha }}',
      fields: JSON.stringify({
        environment: 'staging',
        version: render.outputs.version,
        image: imageRef,
        manifests: render.outputs['s3-uri'],
      }),
    },
    slack,
  );

  const messages = (await (await fetch(`${endpoints.slack.url}_control/messages`)).json()) as unknown;
  console.log(
    `\n${bold('▶ the Slack message, as the Slack double holds it')}\n${indent(JSON.stringify(messages, null, 2))}`,
  );

  console.log(`\n${bold('Where everything went')}`);
  console.log(
    `    image      ${imageRef} (registry ${login.outputs.registry}; tags ${push.outputs.tags}, then ${retag.outputs.tags})`,
  );
  console.log(`    manifests  ${render.outputs['s3-uri']} (version ${render.outputs.version})`);
  console.log(
    `    release    ${live.outputs.status} after ${live.outputs.duration} s (${live.outputs.detail}); the next one failed in Deploy`,
  );
  console.log(`    gitops     ${configRepo} (shop/staging)`);
  console.log(
    `    artifact   s3://${bucket}/${render.outputs['artifact-key']} (S3 version ${render.outputs['artifact-version-id']}), what CodePipeline watches`,
  );
  console.log(
    `    Slack      message ${started.outputs.ts} in ${started.outputs.channel}, posted then updated`,
  );
  rmSync(workspace, { recursive: true, force: true });
}

await withTestbed(demo);
console.log(
  '\ntest bed stopped. Run `npm test` for the tests, and see README.md to use Slipway in a workflow.',
);
