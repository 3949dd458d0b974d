// Templates are untrusted input: through the built bundle, they reach only data — never the
// process, the environment or files outside the template root — and rendering stays within its
// budgets. Every refusal is one clear error line, and nothing is published.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { allText } from '@slipway/testbed';
import { adminS3, createBucket, errorsOf, renderManifest, shopWorkspace } from './helpers.ts';

let s3: S3Client;
let bucket: string;

const CONFIGMAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n';

async function assertNothingPublished(): Promise<void> {
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  assert.deepEqual(listed.Versions ?? [], [], 'nothing was published');
}

/** Runs render-manifest on the shop workspace plus `files`, publishing to the test bucket. */
async function run(files: Record<string, string>, inputs: Record<string, string> = {}, workspace?: string) {
  return renderManifest(
    { templates: 'deploy/*.j2', bucket, ...inputs },
    { workspace: workspace ?? shopWorkspace(files) },
  );
}

function assertOneError(r: Awaited<ReturnType<typeof run>>, pattern: RegExp): void {
  assert.equal(r.exitCode, 1, r.output);
  const errors = errorsOf(r);
  assert.equal(errors.length, 1, r.output);
  assert.match(errors[0]?.message ?? '', pattern);
  assert.ok(!/\n\s+at /.test(r.output), 'no stack trace');
}

describe('the template sandbox', () => {
  before(async () => {
    s3 = adminS3();
    bucket = await createBucket(s3);
  });
  after(() => s3.destroy());

  it('host internals are out of reach: constructors, prototypes and dunder attributes are refused', async () => {
    const attacks = [
      '{{ range.constructor("return process.env.AWS_SECRET_ACCESS_KEY")() }}',
      '{{ cycler.constructor("return process")().mainModule.require("child_process").execSync("id -un") }}',
      '{{ lipsum.__globals__ }}',
      '{{ "".__class__.__mro__ }}',
      '{{ values.constructor }}',
      '{{ joiner.__init__.__globals__ }}',
      '{{ namespace.prototype }}',
    ];
    for (const attack of attacks) {
      const r = await run({
        'deploy/zz-attack.yaml.j2': `${CONFIGMAP}  x: "${attack.replace(/"/g, "'")}"\n`,
      });
      assertOneError(r, /deploy\/zz-attack\.yaml\.j2 line 6: (refused by the template sandbox|undefined)/);
      assert.ok(!allText(r).includes(r.secret), 'the secret key went nowhere');
      assert.ok(!/\broot\b/.test(r.output.replace(/\/root\//g, '')), 'no command ran');
    }
    await assertNothingPublished();
  });

  it('includes are confined to the template root by real path: no .., no sibling folder with the same prefix, no symlink out', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'slw-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'TOP-SECRET-VALUE');
    const workspace = shopWorkspace();
    // A folder beside the template root whose name starts with the root's name.
    mkdirSync(join(workspace, 'deploy-secrets'));
    writeFileSync(join(workspace, 'deploy-secrets', 'token.txt'), 'TOP-SECRET-VALUE');
    symlinkSync(outside, join(workspace, 'deploy', 'linked'));
    for (const name of [
      '../deploy-secrets/token.txt',
      'linked/secret.txt',
      `${outside}/secret.txt`,
      '/etc/hostname',
    ]) {
      writeFileSync(
        join(workspace, 'deploy', 'zz-include.yaml.j2'),
        `${CONFIGMAP}  x: "{% include '${name}' %}"\n`,
      );
      const r = await run({}, {}, workspace);
      assertOneError(r, /deploy\/zz-include\.yaml\.j2 line 6: template not found: .*template-root/);
      assert.ok(!allText(r).includes('TOP-SECRET-VALUE'));
    }
    await assertNothingPublished();
  });

  it('templates and the template root must be files of the workspace, symlinks followed', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'slw-outside-'));
    writeFileSync(join(outside, 'evil.yaml.j2'), CONFIGMAP);
    const workspace = shopWorkspace();
    symlinkSync(outside, join(workspace, 'linked'));
    const cases: [Record<string, string>, RegExp][] = [
      [{ templates: `../${basename(outside)}/evil.yaml.j2` }, /input templates: .* is outside the workspace/],
      [{ templates: join(outside, 'evil.yaml.j2') }, /input templates: .* is outside the workspace/],
      [{ templates: 'linked/*.j2' }, /input templates: .* is outside the workspace/],
      [{ 'template-root': '..' }, /input template-root: .* is outside the workspace/],
      [{ 'template-root': 'deploy/partials' }, /input template-root: .* is not inside/],
    ];
    for (const [inputs, pattern] of cases) {
      const r = await run({}, inputs, workspace);
      assertOneError(r, pattern);
    }
    await assertNothingPublished();
    // The explicit opt-in renders a template built outside (its includes still stay in its root).
    const allowed = await renderManifest(
      { templates: join(outside, 'evil.yaml.j2'), 'allow-outside-workspace': 'true' },
      { workspace },
    );
    assert.match(allowed.output, /evil\.yaml/, allowed.output);
    assert.equal(errorsOf(allowed).length, 0, allowed.output);
  });

  it('an endless loop, deep recursion and huge output each stop at their budget with one error naming template and line', async () => {
    const cases: [string, RegExp][] = [
      [
        '{% for i in range(0, 100000000000) %}{% endfor %}',
        /line 6: rendering budget exceeded: .*iteration/i,
      ],
      [
        '{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}',
        /line 6: rendering budget exceeded: .*(depth|recursion)/i,
      ],
      [
        '{% for i in range(30000) %}{{ "x" * 1000 }}{% endfor %}',
        /line 6: rendering budget exceeded: .*output/i,
      ],
    ];
    for (const [body, pattern] of cases) {
      const r = await run({ 'deploy/zz-budget.yaml.j2': `${CONFIGMAP}  x: "${body}"\n` });
      assertOneError(r, pattern);
    }
    await assertNothingPublished();
  });

  it('a YAML alias bomb in a values file is a clear input error, not a crash', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++) {
      const prev = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      bomb.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const r = await run(
      { 'deploy/bomb.yaml': `${bomb.join('\n')}\n` },
      { 'values-files': 'deploy/bomb.yaml' },
    );
    assertOneError(r, /input values-files: "deploy\/bomb\.yaml".*alias/i);
    await assertNothingPublished();
  });
});
