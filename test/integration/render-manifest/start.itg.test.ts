// What the built bundle loads: nothing heavy before the inputs are validated (the cold-start
// budget), and at run time only the Kubernetes schemas of the kinds the release contains.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { before, test } from 'node:test';
import { bundlePath, runActionStep } from '@slipway/testbed';
import { adminS3, createBucket, credentials, shopWorkspace } from './helpers.ts';

let hook: string;
before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'slw-rm-loads-'));
  hook = join(dir, 'record-loads.mjs');
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({
  load(url, context, next) {
    if (url.startsWith('file:')) appendFileSync(process.env.SLW_LOADS, url + '\\n');
    return next(url, context);
  },
});
`,
  );
});

/** The chunk files of dist/shared a run loaded, with their text. */
async function loadedChunks(
  inputs: Record<string, string>,
  workspace?: string,
): Promise<{ exitCode: number; output: string; chunks: Map<string, string> }> {
  const log = join(mkdtempSync(join(tmpdir(), 'slw-rm-loads-')), 'loads');
  writeFileSync(log, '');
  const run = await runActionStep('render-manifest', {
    workspace,
    inputs,
    env: { ...credentials(), NODE_OPTIONS: `--import ${pathToFileURL(hook).href}`, SLW_LOADS: log },
  });
  const shared = join(dirname(dirname(bundlePath('render-manifest'))), 'shared');
  const chunks = new Map<string, string>();
  for (const url of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    const path = fileURLToPath(url);
    if (dirname(path) === shared) chunks.set(basename(path), readFileSync(path, 'utf8'));
  }
  return { exitCode: run.exitCode, output: run.output, chunks };
}

const HEAVY: [string, RegExp][] = [
  // strings only the libraries' own code contains
  ['the Jinja engine', /Encountered unknown tag/],
  ['the S3 SDK', /x-amz-checksum-sha256/],
  ['kubernetes-models schemas', /missingProperty:"/],
  ['yaml', /Implicit keys need to be on a single line/],
  ['fflate', /invalid zip data/],
  ['diff', /oldFileName must be specified/],
];

test('a bad input fails after loading only the entry and the small start chunks, nothing heavy', async () => {
  const { exitCode, output, chunks } = await loadedChunks({ templates: 'deploy/*.j2', environment: '' });
  assert.equal(exitCode, 1, output);
  assert.match(output, /input environment: is required/);
  // The entry and the action's chunk; in the full build also the chunks of code shared by all
  // actions and by the actions that read path inputs (workspace confinement).
  assert.ok(chunks.size >= 2 && chunks.size <= 4, [...chunks.keys()].join(', '));
  assert.ok(chunks.has('index.js'));
  for (const [name, marker] of HEAVY) {
    for (const [file, text] of chunks) assert.ok(!marker.test(text), `${file} holds ${name}`);
  }
  const bytes = [...chunks.values()].reduce((n, t) => n + Buffer.byteLength(t), 0);
  assert.ok(bytes < 100_000, `${bytes} bytes loaded before validation`);
});

test('validation loads the schemas of the kinds present only, and publishing loads the S3 SDK only with a bucket', async () => {
  const configMap = shopWorkspace({
    'k8s/settings.yaml.j2':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  env: "{{ deploy_env }}"\n',
  });
  const small = await loadedChunks({ templates: 'k8s/*.j2', environment: 'staging' }, configMap);
  assert.equal(small.exitCode, 0, small.output);
  const texts = [...small.chunks.values()];
  assert.ok(
    texts.some((t) => /missingProperty:"/.test(t)),
    'a schema was loaded for the ConfigMap',
  );
  assert.ok(!texts.some((t) => /missingProperty:"containers"/.test(t)), 'but not the pod spec of workloads');
  assert.ok(!texts.some((t) => /x-amz-checksum-sha256/.test(t)), 'no S3 SDK without a bucket');

  const s3 = adminS3();
  const bucket = await createBucket(s3);
  s3.destroy();
  const full = await loadedChunks(
    {
      templates: 'deploy/*.j2',
      'values-files': 'deploy/values.yaml',
      environment: 'staging',
      image: 'shop:1',
      bucket,
      region: 'us-east-1',
    },
    shopWorkspace(),
  );
  assert.equal(full.exitCode, 0, full.output);
  const all = [...full.chunks.values()];
  assert.ok(
    all.some((t) => /missingProperty:"containers"/.test(t)),
    'the Deployment schema was loaded',
  );
  assert.ok(
    all.some((t) => /S3Client/.test(t)),
    'the S3 SDK was loaded to publish',
  );
});
