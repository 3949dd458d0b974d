import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJS, type PyDict } from '@slipway/jinja';
import {
  TemplateError,
  loadValuesFiles,
  renderTemplates,
  resolveTemplateRoot,
  resolveTemplates,
  templateContext,
  type BuiltinValues,
} from '@slipway/render';
import { BUILTINS, workspace } from './helpers.ts';

const dict = (values: Record<string, unknown>) => fromJS(values) as PyDict;

async function render(
  dir: string,
  patterns: string[],
  values: Record<string, unknown> | PyDict,
  builtins: BuiltinValues = BUILTINS,
  templateRoot?: string,
) {
  const templates = await resolveTemplates(patterns, dir);
  const root = resolveTemplateRoot(templateRoot, templates, dir);
  const context = templateContext(builtins, values instanceof Map ? values : dict(values));
  return renderTemplates(templates, context, dir, { root });
}

async function renderError(
  dir: string,
  patterns: string[],
  values: Record<string, unknown> = {},
  builtins?: BuiltinValues,
  templateRoot?: string,
): Promise<TemplateError> {
  const err = await render(dir, patterns, values, builtins, templateRoot).then(
    () => assert.fail('rendering should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof TemplateError, String(err));
  return err;
}

test('renders the fixture service with built-ins, merged values files, loops and an include', async () => {
  const dir = workspace('shop');
  const { values } = await loadValuesFiles(['deploy/values.yaml', 'deploy/values-production.yaml'], dir);
  const [deployment, service] = await render(dir, ['deploy/*.j2'], values);
  assert.equal(deployment?.name, 'deployment.yaml');
  assert.equal(deployment?.source, 'deploy/deployment.yaml.j2');
  assert.equal(service?.name, 'service.yaml');
  const text = deployment?.content ?? '';
  assert.match(text, /^ {2}replicas: 6$/m, 'the later values file wins');
  assert.match(text, /value: "warn"/, 'nested mappings merge: LOG_LEVEL from production');
  assert.match(text, /name: FEATURE_X\n {14}value: "off"/, 'and FEATURE_X survives from the base file');
  assert.match(text, /image: 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/shop@sha256:a{64}$/m);
  assert.match(text, /path: \/healthz/, 'the include rendered with its default');
  assert.ok(!/\{%|\{\{/.test(text), 'no template syntax left');
  // trim_blocks + lstrip_blocks: block tags leave no blank or indented lines behind
  assert.ok(!/^\s*$/m.test(text.trimEnd()), 'no empty lines from block tags');
});

test('renders byte-identical output for identical inputs', async () => {
  const dir = workspace('shop');
  const { values } = await loadValuesFiles(['deploy/values.yaml'], dir);
  const a = await render(dir, ['deploy/*.j2'], values);
  const b = await render(dir, ['deploy/*.j2'], values);
  assert.deepEqual(
    a.map((f) => f.content),
    b.map((f) => f.content),
  );
});

test('exposes values at the top level and under values, and Jinja filters', async () => {
  const dir = workspace(undefined, {
    't.yaml.j2': [
      'a: {{ replicas }}',
      'b: {{ values.replicas }}',
      'c: {{ secret | b64encode }}',
      'd: {{ labels | tojson }}',
      'e: {{ missing | default("fallback") }}',
      '{% if cluster_name is defined %}',
      'f: yes',
      '{% else %}',
      'f: no-cluster',
      '{% endif %}',
      '{% for k, v in labels.items() %}',
      'g-{{ k }}: {{ v }}',
      '{% endfor %}',
      '',
    ].join('\n'),
  });
  const [file] = await render(dir, ['t.yaml.j2'], {
    replicas: 3,
    secret: 'hunter2',
    labels: { team: 'web' },
  });
  assert.equal(
    file?.content,
    'a: 3\nb: 3\nc: aHVudGVyMg==\nd: {"team": "web"}\ne: fallback\nf: no-cluster\ng-team: web\n',
  );
});

test('an undefined variable is an error naming the variable, the template and the line', async () => {
  const dir = workspace(undefined, {
    'deploy/web.yaml.j2':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  tag: "{{ values.image.tagg }}"\n',
  });
  const err = await renderError(dir, ['deploy/*.j2'], { image: { tag: '1.0' } });
  assert.equal(err.file, 'deploy/web.yaml.j2');
  assert.equal(err.line, 6);
  assert.match(err.message, /^deploy\/web\.yaml\.j2 line 6: undefined variable values\.image\.tagg/);
});

test('an undefined built-in says which input sets it', async () => {
  const dir = workspace(undefined, { 'd.yaml.j2': 'kind: X\n\nimage: {{ deploy_image }}\n' });
  const { deploy_image: _unset, ...withoutImage } = BUILTINS;
  const err = await renderError(dir, ['d.yaml.j2'], {}, withoutImage);
  assert.equal(err.line, 3);
  assert.match(err.message, /undefined variable deploy_image; deploy_image comes from the image input/);
});

test('an undefined variable in an included template points at the included file', async () => {
  const dir = workspace(undefined, {
    'deploy/main.yaml.j2': 'a: 1\n{% include "part.yaml" %}\n',
    'deploy/part.yaml': 'b: 2\nc: {{ nope.deeper }}\n',
  });
  const err = await renderError(dir, ['deploy/main.yaml.j2']);
  assert.equal(err.file, 'deploy/part.yaml');
  assert.equal(err.line, 2);
  assert.match(err.message, /^deploy\/part\.yaml line 2: undefined variable nope\.deeper/);
});

test('a null value prints None, as Jinja2 prints it', async () => {
  const dir = workspace(undefined, { 'n.yaml.j2': 'x: {{ empty }}\n' });
  const [file] = await render(dir, ['n.yaml.j2'], { empty: null });
  assert.equal(file?.content, 'x: None\n');
});

test('a template syntax error names the file and line', async () => {
  const dir = workspace(undefined, {
    'bad.yaml.j2': 'a: 1\n{% for x in items %}\n- {{ x }}\n{% endfo %}\n',
  });
  const err = await renderError(dir, ['bad.yaml.j2'], { items: [1] });
  assert.equal(err.file, 'bad.yaml.j2');
  assert.equal(err.line, 4);
  assert.match(err.message, /^bad\.yaml\.j2 line 4: template syntax error: Encountered unknown tag 'endfo'/);

  const dir2 = workspace(undefined, { 'bad.yaml.j2': 'a: {{ x }\n' });
  const err2 = await renderError(dir2, ['bad.yaml.j2'], { x: 1 });
  assert.equal(err2.line, 1);
  assert.match(err2.message, /template syntax error: unexpected '}'/);
});

test('a value may not shadow a built-in', () => {
  assert.throws(
    () => templateContext(BUILTINS, dict({ version: '1' })),
    /values: defines version, which is a built-in value/,
  );
});
