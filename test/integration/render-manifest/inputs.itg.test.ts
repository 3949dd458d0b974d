// Bad inputs and bad templates through the built bundle: each is one clear error line naming the
// input or the template file (as an annotation on it), and nothing is written — not to S3, not to
// the output folder.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { allVersions, adminS3, createBucket, errorsOf, renderManifest, shopWorkspace } from './helpers.ts';

let s3: S3Client;
before(() => {
  s3 = adminS3();
});
after(() => s3?.destroy());

interface Case {
  what: string;
  inputs?: Record<string, string>;
  files?: Record<string, string>;
  message: RegExp;
  /** Where the annotation points, for errors inside a template. */
  file?: string;
  line?: number;
}

const CASES: Case[] = [
  {
    what: 'a missing template',
    inputs: { templates: 'deploy/*.j2, k8s/ingress.yaml.j2' },
    message: /^render-manifest: input templates: "k8s\/ingress\.yaml\.j2" does not exist/,
  },
  {
    what: 'a glob that matches nothing',
    inputs: { templates: 'k8s/*.yaml' },
    message: /^render-manifest: input templates: "k8s\/\*\.yaml" matches no file/,
  },
  {
    what: 'a template syntax error',
    files: { 'deploy/service.yaml.j2': 'apiVersion: v1\nkind: Service\n{% if x %}\nmetadata: {name: web}\n' },
    message:
      /^render-manifest: deploy\/service\.yaml\.j2 line 4: template syntax error: Unexpected end of template\. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'\./,
    file: 'deploy/service.yaml.j2',
    line: 4,
  },
  {
    what: 'an undefined variable',
    files: {
      'deploy/service.yaml.j2':
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {tier: "{{ values.tierr }}"}\n',
    },
    message:
      /^render-manifest: deploy\/service\.yaml\.j2 line 5: undefined variable values\.tierr; define it in values or values-files/,
    file: 'deploy/service.yaml.j2',
    line: 5,
  },
  {
    what: 'an undefined built-in (no image given)',
    inputs: { image: '' },
    message:
      /^render-manifest: deploy\/deployment\.yaml\.j2 line 23: undefined variable deploy_image; deploy_image comes from the image input/,
    file: 'deploy/deployment.yaml.j2',
    line: 23,
  },
  {
    what: 'invalid YAML output',
    files: { 'deploy/service.yaml.j2': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [web\n' },
    message: /^render-manifest: service\.yaml line \d+ \(from deploy\/service\.yaml\.j2.*\): invalid YAML: /,
    file: 'deploy/service.yaml.j2',
  },
  {
    what: 'a schema error (replicas as a string)',
    inputs: { values: `replicas: "'3'"` },
    message:
      /^render-manifest: deployment\.yaml line 12 \(from deploy\/deployment\.yaml\.j2 line 12\): Deployment shop: spec\.replicas must be an integer, got the string "3"$/,
    file: 'deploy/deployment.yaml.j2',
    line: 12,
  },
  {
    what: 'a missing values file',
    inputs: { 'values-files': 'deploy/values.yaml\ndeploy/values-qa.yaml' },
    message: /^render-manifest: input values-files: "deploy\/values-qa\.yaml" does not exist/,
  },
  {
    what: 'an invalid sse',
    inputs: { sse: 'AES-256' },
    message: /^render-manifest: input sse: "AES-256" is not allowed; use one of AES256, aws:kms, none$/,
  },
  {
    what: 'an invalid bucket name',
    inputs: { bucket: 'Shop_Releases' },
    message: /^render-manifest: input bucket: "Shop_Releases" is not a valid S3 bucket name/,
  },
  {
    what: 'a missing environment',
    inputs: { environment: '' },
    message: /^render-manifest: input environment: is required and was not given$/,
  },
  {
    what: 'inline values that are not a mapping',
    inputs: { values: 'replicas 3' },
    message: /^render-manifest: input values: must be a mapping/,
  },
];

for (const c of CASES) {
  test(`refuses ${c.what} with one error line and writes nothing`, async () => {
    const bucket = await createBucket(s3);
    const workspace = shopWorkspace(c.files);
    const outputDir = join(workspace, 'rendered');
    const run = await renderManifest(
      { bucket, version: 'v1', 'output-dir': 'rendered', ...c.inputs },
      { workspace },
    );
    assert.equal(run.exitCode, 1, run.output);
    const errors = errorsOf(run);
    assert.equal(errors.length, 1, run.output);
    assert.match(errors[0]?.message ?? '', c.message);
    if (c.file) assert.equal(errors[0]?.file, c.file, 'annotates the template');
    if (c.line) assert.equal(errors[0]?.line, c.line, 'at the template line');
    assert.equal(run.stderr.trim(), '', 'nothing on stderr (no stack)');
    assert.ok(!existsSync(outputDir), 'no rendered file was written');
    assert.deepEqual(run.outputs, {}, 'no output was set');
    assert.deepEqual(await allVersions(s3, bucket), {}, 'nothing was written to S3');
  });
}

test('an unknown field is a warning annotation on the template, and the release still goes out', async () => {
  const workspace = shopWorkspace();
  const path = join(workspace, 'deploy', 'service.yaml.j2');
  const { readFileSync, writeFileSync } = await import('node:fs');
  writeFileSync(path, readFileSync(path, 'utf8').replace('  selector:', '  selectr:\n    x: y\n  selector:'));
  const run = await renderManifest({ version: 'v1' }, { workspace });
  assert.equal(run.exitCode, 0, run.output);
  const warnings = run.annotations.filter((a) => a.level === 'warning');
  assert.equal(warnings.length, 1, run.output);
  assert.equal(warnings[0]?.file, 'deploy/service.yaml.j2');
  assert.equal(warnings[0]?.line, 7);
  assert.match(
    warnings[0]?.message ?? '',
    /service\.yaml line 7 .*: Service shop: spec\.selectr is not a field of Service \(v1\)/,
  );
});
