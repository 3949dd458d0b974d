import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, validateManifests, type Problem, type RenderedFile } from '@slipway/render';
import { templateLineFor } from '@slipway/render/source-lines.ts';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  creationTimestamp: null
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0
          ports:
            - containerPort: 8080
          resources:
            requests: {cpu: 500m, memory: 128Mi}
`;

function file(content: string, name = 'web.yaml', templateText = content): RenderedFile {
  return { name, source: `deploy/${name}.j2`, templateText, content };
}

async function check(
  ...files: RenderedFile[]
): Promise<{ errors: Problem[]; warnings: Problem[]; kinds: string[] }> {
  const result = await validateManifests(files, { namespace: 'shop' });
  return {
    errors: result.problems.filter((p) => p.level === 'error'),
    warnings: result.problems.filter((p) => p.level === 'warning'),
    kinds: result.objects.map((o) => `${o.kind}/${o.name}`),
  };
}

const messages = (ps: Problem[]) => ps.map((p) => p.message);

test('a valid Deployment and Service pass with no problem (null fields read as unset)', async () => {
  const service =
    'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80, targetPort: http}]\n';
  const r = await check(file(DEPLOYMENT), file(service, 'service.yaml'));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.kinds, ['Deployment/web', 'Service/web']);
});

test('replicas: "3" is a type error with the rendered and the template line', async () => {
  const template = DEPLOYMENT.replace('replicas: 2', 'replicas: "{{ replicas }}"');
  const r = await check(file(DEPLOYMENT.replace('replicas: 2', 'replicas: "3"'), 'web.yaml', template));
  assert.equal(r.errors.length, 1);
  const [e] = r.errors;
  assert.equal(e?.line, 7);
  assert.equal(e?.sourceLine, 7, 'the key is matched back to the template line');
  assert.equal(e?.source, 'deploy/web.yaml.j2');
  assert.equal(
    formatProblem(e as Problem),
    'web.yaml line 7 (from deploy/web.yaml.j2 line 7): Deployment web: spec.replicas must be an integer, got the string "3"',
  );
});

test('a Deployment without containers is an error naming the missing field', async () => {
  const content = DEPLOYMENT.slice(0, DEPLOYMENT.indexOf('      containers:')) + '      hostname: web\n';
  const r = await check(file(content));
  assert.deepEqual(messages(r.errors), ['Deployment web: spec.template.spec.containers is required']);
  assert.equal(r.errors[0]?.line, 13, 'points at the pod spec');
});

test('a misspelled field is a warning with file and line, not an error', async () => {
  const content = DEPLOYMENT.replace('          ports:', '          portz:');
  const r = await check(file(content));
  assert.deepEqual(r.errors, []);
  assert.equal(r.warnings.length, 1);
  assert.equal(r.warnings[0]?.line, 17);
  assert.equal(r.warnings[0]?.file, 'web.yaml');
  assert.match(
    r.warnings[0]?.message ?? '',
    /spec\.template\.spec\.containers\[0\]\.portz is not a field of Deployment \(apps\/v1\)/,
  );
  const top = await check(
    file(DEPLOYMENT.replace('      containers:', '      containerz: []\n      containers:')),
  );
  assert.match(messages(top.warnings).join(), /spec\.template\.spec\.containerz is not a field/);
});

test('label and annotation maps take any valid key without an unknown-field warning', async () => {
  const content = DEPLOYMENT.replace(
    '  creationTimestamp: null',
    '  labels: {anything: goes}\n  annotations: {"x.io/y": "z"}',
  );
  const r = await check(file(content));
  assert.deepEqual(r.warnings, []);
});

test('YAML is read as kubectl reads it (1.1): an unquoted yes is a boolean where a string is required', async () => {
  const content = DEPLOYMENT.replace(
    '          ports:',
    '          env:\n            - {name: FEATURE, value: yes}\n          ports:',
  );
  const r = await check(file(content));
  assert.deepEqual(messages(r.errors), [
    'Deployment web: spec.template.spec.containers[0].env[0].value must be a string, got the boolean true',
  ]);
});

test('a bad quantity says what is accepted', async () => {
  const r = await check(file(DEPLOYMENT.replace('memory: 128Mi', 'memory: lots')));
  assert.match(
    messages(r.errors).join(),
    /resources\.requests\.memory: "lots" is not a valid quantity: it does not start with a number \(Kubernetes quantity: a number with an optional suffix: Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or an exponent e<n>; e\.g\. 100m, 1\.5Gi, 2e3, 0\.5\)/,
  );
});

test('custom resources get the structural and metadata checks only', async () => {
  const cr =
    'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {whatever: [1, 2], replicas: "3"}\n';
  assert.deepEqual(await check(file(cr)), { errors: [], warnings: [], kinds: ['Widget/w'] });
  const nameless = await check(file('apiVersion: example.com/v1\nkind: Widget\nmetadata: {}\n'));
  assert.deepEqual(messages(nameless.errors), ['Widget has no metadata.name']);
});

test('every object needs apiVersion, kind and metadata.name', async () => {
  const r = await check(
    file(
      'metadata: {name: x}\n---\napiVersion: v1\nmetadata: {name: why}\n---\nkind: ConfigMap\napiVersion: v1\n',
    ),
  );
  assert.deepEqual(messages(r.errors), [
    'apiVersion is missing (every object needs apiVersion, kind and metadata.name)',
    'kind is missing (every object needs apiVersion, kind and metadata.name)',
    'kind is missing (every object needs apiVersion, kind and metadata.name)',
    'ConfigMap has no metadata.name',
  ]);
  assert.deepEqual(
    r.errors.map((e) => e.line),
    [1, 1, 3, 6],
  );
  // YAML 1.1, as kubectl: an unquoted y, yes or on is a boolean
  const bool = await check(file('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n'));
  assert.deepEqual(messages(bool.errors), [
    'ConfigMap: metadata.name must be a string, got the boolean true (quote it)',
  ]);
  assert.equal(bool.errors[0]?.line, 4);
});

test('a container with an empty image is an error, in workloads and in custom resources like them', async () => {
  const r = await check(file(DEPLOYMENT.replace('image: registry.example.com/web:1.0', 'image: ""')));
  assert.deepEqual(messages(r.errors), [
    'Deployment web: spec.template.spec.containers[0] (web) has an empty image',
  ]);
  assert.equal(r.errors[0]?.line, 16);
  const cron = `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: job
`;
  assert.deepEqual(messages((await check(file(cron))).errors), [
    'CronJob nightly: spec.jobTemplate.spec.template.spec.containers[0] (job) has an empty image',
  ]);
  const rollout =
    'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  template:\n    spec:\n      containers: [{name: app, image: " "}]\n';
  assert.match(
    messages((await check(file(rollout))).errors).join(),
    /Rollout r: spec\.template\.spec\.containers\[0\] \(app\) has an empty image/,
  );
});

test('two objects with the same kind, namespace and name are an error, across files too', async () => {
  const cm = (ns?: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n${ns ? `  namespace: ${ns}\n` : ''}`;
  const same = await check(file(cm(), 'a.yaml'), file(cm('shop'), 'b.yaml'));
  assert.deepEqual(messages(same.errors), [
    'duplicate ConfigMap shop/settings: also defined at a.yaml line 1 (same API group, kind, namespace and name)',
  ]);
  assert.equal(same.errors[0]?.file, 'b.yaml');
  const apart = await check(file(cm(), 'a.yaml'), file(cm('other'), 'b.yaml'));
  assert.deepEqual(apart.errors, []);
  const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n';
  assert.equal((await check(file(`${ns}---\n${ns}`))).errors.length, 1, 'cluster-scoped objects too');
});

test('API versions Kubernetes stopped serving and kinds an API version lacks are errors', async () => {
  const old = await check(file('apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: web}\n'));
  assert.deepEqual(messages(old.errors), [
    'Ingress web: extensions/v1beta1 Ingress was removed in Kubernetes 1.22; use networking.k8s.io/v1',
  ]);
  const typo = await check(file('apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web}\n'));
  assert.match(
    messages(typo.errors).join(),
    /apps\/v1 has no kind Deploymnet \(it has ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet\)/,
  );
  const alpha = await check(
    file('apiVersion: storage.k8s.io/v1alpha1\nkind: VolumeAttributesClass\nmetadata: {name: fast}\n'),
  );
  assert.deepEqual(alpha.errors, []);
  assert.match(messages(alpha.warnings).join(), /not a generally available Kubernetes API/);
});

test('invalid YAML is one error with its line', async () => {
  const r = await check(file('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n'));
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]?.message ?? '', /^invalid YAML: /);
  assert.ok(r.errors[0]?.line, 'has a line');
  const dup = await check(file('apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: x}\n'));
  assert.match(messages(dup.errors).join(), /invalid YAML: Map keys must be unique/);
});

test('several documents, empty documents and kind: List are read object by object', async () => {
  const list = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: a}
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: b}
    data: {count: 1}
`;
  const r = await check(file(`---\n${DEPLOYMENT}---\n---\n${list}`));
  assert.deepEqual(r.kinds, ['Deployment/web', 'ConfigMap/a', 'ConfigMap/b']);
  assert.deepEqual(messages(r.errors), ['ConfigMap b: data.count must be a string, got the number 1']);
  assert.equal(r.errors[0]?.line, 33, 'the line inside the list item');
});

test('a rendered line maps back to its template line only when that is unambiguous', () => {
  const template = 'a: 1\n{% for i in x %}\n- name: {{ i }}\n{% endfor %}\nb: {{ b }}\n';
  const rendered = 'a: 1\n- name: one\n- name: two\nb: 2\n';
  assert.equal(templateLineFor(template, rendered, 1), 1, 'copied verbatim');
  assert.equal(templateLineFor(template, rendered, 4), 5, 'same key, templated value');
  assert.equal(templateLineFor(template, rendered, 2), undefined, 'a loop repeats the line: no guess');
});

test('a schema error in a Secret never quotes the secret value', async () => {
  const secret = `apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  password: 918273645501
stringData:
  token: [hunter2-very-secret]
`;
  const result = await validateManifests([file(secret, 'secret.yaml')], { namespace: 'shop' });
  const text = messages(result.problems).join('\n');
  assert.match(text, /data\.password must be a string/);
  assert.match(text, /stringData\.token must be a string/);
  assert.ok(!text.includes('918273645501') && !text.includes('hunter2'), text);
});
