// What the API server refuses beyond the schema, found in rendered manifests before anything is
// published: each rule with values that pass and values that fail, one problem per field, naming
// the file, the object, the field and the rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, validateManifests, type Problem, type RenderedFile } from '@slipway/render';

function file(content: string, name = 'app.yaml'): RenderedFile {
  return { name, source: `deploy/${name}.j2`, templateText: content, content };
}

async function check(
  ...files: (RenderedFile | string)[]
): Promise<{ errors: Problem[]; warnings: Problem[] }> {
  const result = await validateManifests(
    files.map((f) => (typeof f === 'string' ? file(f) : f)),
    { namespace: 'shop' },
  );
  return {
    errors: result.problems.filter((p) => p.level === 'error'),
    warnings: result.problems.filter((p) => p.level === 'warning'),
  };
}

const messages = (ps: Problem[]) => ps.map((p) => p.message);
const a = (n: number) => 'a'.repeat(n);
const LABEL_VALUE_RULE =
  "(Kubernetes label value: empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)";

const configMap = (meta: string, name = 'settings') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${meta}data:\n  k: v\n`;

function deployment(container: string, podMeta = '', spec = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
${podMeta}    spec:
${spec}      containers:
        - name: web
          image: registry.example.com/web:1.0
${container}`;
}

test('label values: a "/" or a 64th character is one error naming file, line, object, field and rule', async () => {
  const r = await check(
    configMap(
      `  labels:\n    part-of: feature-shop/cart\n    tier: ${a(64)}\n    ok: ${a(63)}\n    empty: ""\n`,
    ),
  );
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.errors.map(formatProblem), [
    `app.yaml line 6 (from deploy/app.yaml.j2 line 6): ConfigMap settings: metadata.labels.part-of: "feature-shop/cart" is not a valid label value: '/' is not allowed ${LABEL_VALUE_RULE}`,
    `app.yaml line 7 (from deploy/app.yaml.j2 line 7): ConfigMap settings: metadata.labels.tier: "${a(37)}…" is not a valid label value: it is 64 characters long ${LABEL_VALUE_RULE}`,
  ]);
  const edges = await check(configMap('  labels:\n    a: -x\n    b: "x "\n    c: "V1.2_rc-3"\n'));
  assert.deepEqual(messages(edges.errors), [
    `ConfigMap settings: metadata.labels.a: "-x" is not a valid label value: it starts with '-' ${LABEL_VALUE_RULE}`,
    `ConfigMap settings: metadata.labels.b: "x " is not a valid label value: a space is not allowed ${LABEL_VALUE_RULE}`,
  ]);
});

test('label keys: prefix up to 253, name up to 63, one "/"', async () => {
  const prefix253 = `${a(63)}.${a(63)}.${a(63)}.${a(61)}`;
  const ok = await check(
    configMap(`  labels:\n    ${prefix253}/${a(63)}: x\n    app.kubernetes.io/name: web\n    Tier_1.x: z\n`),
  );
  assert.deepEqual(ok.errors, []);
  const r = await check(
    configMap(
      `  labels:\n    ${prefix253}a/x: x\n    example.com/${a(64)}: x\n    app/kubernetes/name: x\n    Example.com/x: x\n`,
    ),
  );
  assert.deepEqual(
    r.errors.map((e) => [e.line, e.message.replace(/ \(Kubernetes label key: .*\)$/, '')]),
    [
      [
        6,
        `ConfigMap settings: metadata.labels["${prefix253}a/x"]: the key "${(prefix253 + 'a/x').slice(0, 37)}…" is not a valid label key: its prefix "${prefix253}a" is not a DNS subdomain (is 254 characters long)`,
      ],
      [
        7,
        `ConfigMap settings: metadata.labels["example.com/${a(64)}"]: the key "example.com/${a(25)}…" is not a valid label key: its name part is 64 characters long`,
      ],
      [
        8,
        `ConfigMap settings: metadata.labels["app/kubernetes/name"]: the key "app/kubernetes/name" is not a valid label key: it has 2 '/'`,
      ],
      [
        9,
        `ConfigMap settings: metadata.labels["Example.com/x"]: the key "Example.com/x" is not a valid label key: its prefix "Example.com" is not a DNS subdomain ('E' is not allowed)`,
      ],
    ],
  );
  assert.match(
    r.errors[0]?.message ?? '',
    /\(Kubernetes label key: an optional DNS subdomain prefix .* then a name of at most 63 letters/,
  );
});

test('labels are checked in pod templates, selectors and custom resources; a number is not a label value', async () => {
  const r = await check(
    deployment('', '', '')
      .replace('labels: {app: web}', 'labels: {app: web, version: "1.0/rc"}')
      .replace('matchLabels: {app: web}', 'matchLabels: {app: "web app"}'),
    'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: "-web"}\n  ports: [{port: 80}]\n',
    'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  labels: {count: 3, "bad key!": x}\n',
  );
  assert.deepEqual(
    r.errors.map((e) => e.message.replace(/ \(Kubernetes .*\)$/, '')),
    [
      `Deployment web: spec.selector.matchLabels.app: "web app" is not a valid label value: a space is not allowed`,
      `Deployment web: spec.template.metadata.labels.version: "1.0/rc" is not a valid label value: '/' is not allowed`,
      `Service web: spec.selector.app: "-web" is not a valid label value: it starts with '-'`,
      `Widget w: metadata.labels.count: a label value must be a string, got the number 3 (quote it)`,
      `Widget w: metadata.labels["bad key!"]: the key "bad key!" is not a valid label key: a space, '!' are not allowed`,
    ],
  );
});

test('annotations: keys are label keys in any case, values any string, at most 256 KiB per object', async () => {
  const ok = await check(
    configMap(
      '  annotations:\n    Example.COM/Some_Key: "any / value: with spaces\\nand lines"\n    note: ""\n',
    ),
  );
  assert.deepEqual(ok.errors, []);
  const bad = await check(configMap('  annotations:\n    "a b": x\n    example.com/: x\n'));
  assert.deepEqual(
    bad.errors.map((e) => e.message.replace(/ \(Kubernetes annotation key: .*\)$/, '')),
    [
      `ConfigMap settings: metadata.annotations["a b"]: the key "a b" is not a valid annotation key: a space is not allowed`,
      `ConfigMap settings: metadata.annotations["example.com/"]: the key "example.com/" is not a valid annotation key: its name part is empty`,
    ],
  );
  // 262144 bytes over keys and values is the limit: two keys of one byte each plus their values.
  const sized = (total: number) =>
    configMap(`  annotations:\n    a: ${'x'.repeat(total / 2 - 1)}\n    b: ${'y'.repeat(total / 2 - 1)}\n`);
  assert.deepEqual((await check(sized(262144))).errors, []);
  const over = await check(sized(262146));
  assert.deepEqual(messages(over.errors), [
    'ConfigMap settings: metadata.annotations: keys and values take 262146 bytes; Kubernetes allows at most 262144 (256 KiB) of annotations per object',
  ]);
  assert.equal(over.errors[0]?.line, 5);
});

test('object names follow their kind: RFC 1035 for Services, RFC 1123 labels for Namespaces and StatefulSets, subdomains elsewhere', async () => {
  const obj = (apiVersion: string, kind: string, name: string) =>
    `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: "${name}"\n`;
  const ok = await check(
    [
      obj('v1', 'ConfigMap', '1web.v2'),
      obj('v1', 'Service', a(63)),
      obj('v1', 'Namespace', `x${a(62)}`),
      obj('v1', 'Secret', `${a(63)}.${a(63)}.${a(63)}.${a(61)}`),
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'system:aggregate-to-Edit'),
      obj('example.com/v1', 'Widget', 'w.example'),
    ].join('---\n'),
  );
  assert.deepEqual(ok.errors, []);
  const bad = await check(
    [
      obj('v1', 'Service', '1web'),
      obj('v1', 'Service', `s${a(63)}`),
      obj('v1', 'Namespace', 'shop.v2'),
      obj('apps/v1', 'StatefulSet', 'db.v2'),
      obj('v1', 'ConfigMap', `${a(63)}.${a(63)}.${a(63)}.${a(62)}`),
      obj('apps/v1', 'Deployment', 'Web'),
      obj('rbac.authorization.k8s.io/v1', 'Role', 'a/b'),
      obj('example.com/v1', 'Widget', 'My_Widget'),
    ].join('---\n'),
  );
  assert.deepEqual(
    bad.errors
      .filter((e) => /metadata\.name/.test(e.message))
      .map((e) => e.message.replace(/ \(Kubernetes .*\)$/, '').replace(/^\S+ \S+: /, '')),
    [
      'metadata.name: "1web" is not a valid Service name: it starts with \'1\'',
      `metadata.name: "s${a(36)}…" is not a valid Service name: it is 64 characters long`,
      'metadata.name: "shop.v2" is not a valid Namespace name: \'.\' is not allowed',
      'metadata.name: "db.v2" is not a valid StatefulSet name: \'.\' is not allowed',
      'metadata.name: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…" is not a valid ConfigMap name: it is 254 characters long',
      'metadata.name: "Web" is not a valid Deployment name: \'W\' is not allowed',
      'metadata.name: "a/b" is not a valid Role name: \'/\' is not allowed',
      "metadata.name: \"My_Widget\" is not a valid Widget name: 'M', '_', 'W' are not allowed",
    ],
  );
  assert.match(
    bad.errors[0]?.message ?? '',
    /\(Kubernetes RFC 1035 label: at most 63 lower-case letters, digits and '-', starting with a letter/,
  );
  assert.equal(bad.errors[0]?.document, 1, 'the document of the file');
  assert.equal(bad.errors[2]?.document, 3);
  assert.match(
    formatProblem(bad.errors[2] as Problem),
    /^app\.yaml document 3 line 14 \(from deploy\/app\.yaml\.j2 line 14\): Namespace shop\.v2: /,
  );
});

test('CronJob names are at most 52 characters, Job names at most 63', async () => {
  const cron = (name: string) =>
    `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: ${name}}\nspec:\n  schedule: "0 3 * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: job, image: x}]\n`;
  assert.deepEqual((await check(cron(a(52)))).errors, []);
  assert.deepEqual(messages((await check(cron(a(53)))).errors), [
    `CronJob ${a(53)}: metadata.name: "${a(37)}…" is 53 characters long: a CronJob name is at most 52 characters (the Jobs it creates append 11 characters)`,
  ]);
  const job = (name: string) =>
    `apiVersion: batch/v1\nkind: Job\nmetadata: {name: ${name}}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: job, image: x}]\n`;
  assert.deepEqual((await check(job(a(63)))).errors, []);
  assert.match(
    messages((await check(job(a(64)))).errors).join(),
    /a Job name is at most 63 characters \(it becomes the job-name label of the Job's pods\)/,
  );
});

test('container names are RFC 1123 labels; container port names IANA_SVC_NAMEs; ports 1 to 65535', async () => {
  const ok = await check(
    deployment(
      '          ports:\n            - {name: metrics, containerPort: 65535, hostPort: 0}\n            - {name: a-1, containerPort: 1, hostPort: 65535}\n',
    ),
  );
  assert.deepEqual(ok.errors, []);
  const r = await check(
    deployment(
      '          ports:\n            - {name: http-alternative, containerPort: 65536}\n            - {name: "8080", containerPort: 0, hostPort: 70000}\n',
    ).replace('- name: web', '- name: Web_1'),
  );
  assert.deepEqual(
    r.errors.map((e) => [
      e.line,
      e.message.replace(/^Deployment web: spec\.template\.spec\.containers\[0\]\./, ''),
    ]),
    [
      [
        13,
        `name: "Web_1" is not a valid container name: 'W', '_' are not allowed (Kubernetes RFC 1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit)`,
      ],
      [
        16,
        `ports[0].name: "http-alternative" is not a valid IANA_SVC_NAME port name: it is 16 characters long (Kubernetes IANA_SVC_NAME port name: at most 15 lower-case letters, digits and '-', with at least one letter, no '-' at either end and no '--')`,
      ],
      [16, 'ports[0].containerPort: 65536 is not a valid port number (Kubernetes port number: 1 to 65535)'],
      [
        17,
        `ports[1].name: "8080" is not a valid IANA_SVC_NAME port name: it has no letter (write a port number unquoted) (Kubernetes IANA_SVC_NAME port name: at most 15 lower-case letters, digits and '-', with at least one letter, no '-' at either end and no '--')`,
      ],
      [17, 'ports[1].containerPort: 0 is not a valid port number (Kubernetes port number: 1 to 65535)'],
      [17, 'ports[1].hostPort: 70000 is not a valid port number (Kubernetes port number: 1 to 65535)'],
    ],
  );
});

test('probe ports are numbers or port names', async () => {
  const r = await check(
    deployment(
      '          readinessProbe: {httpGet: {port: HTTP}}\n          livenessProbe: {tcpSocket: {port: 0}}\n          startupProbe: {httpGet: {port: http}}\n',
    ),
  );
  assert.deepEqual(
    r.errors.map((e) => e.message.replace(/ \(Kubernetes .*$/, '')),
    [
      `Deployment web: spec.template.spec.containers[0].readinessProbe.httpGet.port: "HTTP" is not a valid IANA_SVC_NAME port name: 'H', 'T', 'P' are not allowed, it has no letter`,
      'Deployment web: spec.template.spec.containers[0].livenessProbe.tcpSocket.port: 0 is not a valid port number',
    ],
  );
});

test('Service ports: port 1 to 65535, targetPort a number or a port name, nodePort outside 30000-32767 a warning', async () => {
  const service = (ports: string) =>
    `apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort\n  ports:\n${ports}`;
  const ok = await check(
    service(
      '    - {name: http, port: 80, targetPort: http, nodePort: 30000}\n    - {name: https, port: 443, targetPort: 8443, nodePort: 32767}\n    - {name: grpc, port: 9000, targetPort: 0}\n',
    ),
  );
  assert.deepEqual([...ok.errors, ...ok.warnings], []);
  const r = await check(
    service(
      '    - {name: HTTP, port: 0, targetPort: "8080", nodePort: 29999}\n    - {name: b, port: 65536, targetPort: 65536, nodePort: 70000}\n    - {name: c, port: 1, nodePort: 32768}\n',
    ),
  );
  assert.deepEqual(
    r.errors.map((e) => e.message.replace(/ \(Kubernetes (?!port number).*\)$/, '')),
    [
      `Service web: spec.ports[0].name: "HTTP" is not a valid Service port name: 'H', 'T', 'P' are not allowed`,
      'Service web: spec.ports[0].port: 0 is not a valid port number (Kubernetes port number: 1 to 65535)',
      `Service web: spec.ports[0].targetPort: "8080" is not a valid IANA_SVC_NAME port name: it has no letter (write a port number unquoted)`,
      'Service web: spec.ports[1].port: 65536 is not a valid port number (Kubernetes port number: 1 to 65535)',
      'Service web: spec.ports[1].targetPort: 65536 is not a valid port number (Kubernetes port number: 1 to 65535)',
      'Service web: spec.ports[1].nodePort: 70000 is not a valid port number (Kubernetes port number: 1 to 65535)',
    ],
  );
  assert.deepEqual(messages(r.warnings), [
    'Service web: spec.ports[0].nodePort: 29999 is outside the default NodePort range 30000-32767; the API server refuses it unless its --service-node-port-range includes it',
    'Service web: spec.ports[2].nodePort: 32768 is outside the default NodePort range 30000-32767; the API server refuses it unless its --service-node-port-range includes it',
  ]);
});

test('resource quantities: the API server grammar, one message per field, requests at most limits, none negative', async () => {
  const resources = (requests: string, limits: string) =>
    deployment(
      `          resources:\n            requests: {${requests}}\n            limits: {${limits}}\n`,
    );
  const ok = await check(
    resources(
      'cpu: 100m, memory: 1Gi, ephemeral-storage: 2e3',
      'cpu: 0.5, memory: 1024Mi, ephemeral-storage: 2k',
    ),
  );
  assert.deepEqual(ok.errors, []);
  const r = await check(
    resources(
      'cpu: "2", memory: 100MB, ephemeral-storage: 1Y',
      'cpu: 1500m, memory: "1.5 Gi", nvidia.com/gpu: -1',
    ),
  );
  const FORM =
    '(Kubernetes quantity: a number with an optional suffix: Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or an exponent e<n>; e.g. 100m, 1.5Gi, 2e3, 0.5)';
  const at = 'Deployment web: spec.template.spec.containers[0].resources';
  assert.deepEqual(messages(r.errors).sort(), [
    `${at}.limits.memory: "1.5 Gi" is not a valid quantity: it has a space inside ${FORM}`,
    `${at}.limits["nvidia.com/gpu"]: -1 is negative (Kubernetes: must be greater than or equal to 0)`,
    `${at}.requests.cpu: the request "2" is more than the limit "1500m" (Kubernetes: a request must be less than or equal to its limit)`,
    `${at}.requests.ephemeral-storage: "1Y" is not a valid quantity: "Y" is not a quantity suffix ${FORM}`,
    `${at}.requests.memory: "100MB" is not a valid quantity: "MB" is not a quantity suffix ${FORM}`,
  ]);
  assert.deepEqual(
    r.errors.map((e) => e.line),
    [16, 16, 16, 17, 17],
    'each on its line, in line order',
  );
});

test('quantities of claims, quotas, limit ranges and emptyDir volumes', async () => {
  const pvc =
    'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 10Gb}}\n';
  const quota =
    'apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q}\nspec:\n  hard: {requests.cpu: "-1", pods: "10"}\n';
  const ranges =
    'apiVersion: v1\nkind: LimitRange\nmetadata: {name: l}\nspec:\n  limits: [{type: Container, max: {memory: 1Y}, default: {cpu: 500m}}]\n';
  const volume = deployment('', '', '      volumes: [{name: tmp, emptyDir: {sizeLimit: 1Gb}}]\n');
  const r = await check(pvc, quota, ranges, volume);
  assert.deepEqual(
    r.errors.map((e) => e.message.replace(/ \(Kubernetes quantity: .*\)$/, '')),
    [
      'PersistentVolumeClaim data: spec.resources.requests.storage: "10Gb" is not a valid quantity: "Gb" is not a quantity suffix',
      'ResourceQuota q: spec.hard["requests.cpu"]: "-1" is negative (Kubernetes: must be greater than or equal to 0)',
      'LimitRange l: spec.limits[0].max.memory: "1Y" is not a valid quantity: "Y" is not a quantity suffix',
      'Deployment web: spec.template.spec.volumes[0].emptyDir.sizeLimit: "1Gb" is not a valid quantity: "Gb" is not a quantity suffix',
    ],
  );
});

test('environment variable names: any printable ASCII but "=" (Kubernetes 1.32+); what older API servers refuse is a warning', async () => {
  const env = (names: string[]) =>
    deployment(
      `          env:\n${names.map((n) => `            - {name: ${JSON.stringify(n)}, value: "1"}\n`).join('')}`,
    );
  const ok = await check(env(['MY_VAR', 'my.var-2', '_x', '-x']));
  assert.deepEqual([...ok.errors, ...ok.warnings], []);
  const r = await check(env(['MY VAR', '1ST', 'A=B', 'ÉTÉ', '']));
  const at = 'Deployment web: spec.template.spec.containers[0].env';
  assert.deepEqual(
    r.errors.map((e) => e.message.replace(/ \(Kubernetes .*\)$/, '')),
    [
      `${at}[2].name: "A=B" is not a valid environment variable name: '=' is not allowed`,
      `${at}[3].name: "ÉTÉ" is not a valid environment variable name: "É" is not allowed (not printable ASCII)`,
      `${at}[4].name: "" is not a valid environment variable name: it is empty`,
    ],
  );
  assert.deepEqual(
    r.warnings.map((w) => w.message.replace(/ \(before 1\.32: .*\)$/, '')),
    [
      `${at}[0].name: "MY VAR" is a valid environment variable name only for Kubernetes 1.32 and later (RelaxedEnvironmentVariableValidation); older API servers refuse it: a space is not allowed`,
      `${at}[1].name: "1ST" is a valid environment variable name only for Kubernetes 1.32 and later (RelaxedEnvironmentVariableValidation); older API servers refuse it: it starts with a digit`,
    ],
  );
});

test('duplicates are the same API group, kind, namespace and name; another group is another object', async () => {
  const cert = (group: string) =>
    `apiVersion: ${group}/v1\nkind: Certificate\nmetadata: {name: web}\nspec: {}\n`;
  const apart = await check(file(cert('cert-manager.io'), 'a.yaml'), file(cert('example.com'), 'b.yaml'));
  assert.deepEqual(apart.errors, []);
  const same = await check(
    file(cert('cert-manager.io'), 'a.yaml'),
    file(cert('cert-manager.io').replace('/v1', '/v1beta1'), 'b.yaml'),
  );
  assert.deepEqual(messages(same.errors), [
    'duplicate Certificate.cert-manager.io shop/web: also defined at a.yaml line 1 (same API group, kind, namespace and name)',
  ]);
  assert.equal(same.errors[0]?.file, 'b.yaml');
});

test('labels and annotations of job templates and claim templates are checked too', async () => {
  const cron = `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    metadata:
      labels: {run: "a b"}
    spec:
      template:
        metadata:
          annotations: {"x/y/z": "1"}
        spec:
          restartPolicy: Never
          containers: [{name: job, image: x}]
`;
  const sts = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: x}]
  volumeClaimTemplates:
    - metadata: {name: data, labels: {tier: "-x"}}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1GB}}}
`;
  const r = await check(cron, sts);
  assert.deepEqual(
    r.errors.map((e) => [e.line, e.message.replace(/ \(Kubernetes .*\)$/, '')]),
    [
      [
        8,
        'CronJob nightly: spec.jobTemplate.metadata.labels.run: "a b" is not a valid label value: a space is not allowed',
      ],
      [
        12,
        `CronJob nightly: spec.jobTemplate.spec.template.metadata.annotations["x/y/z"]: the key "x/y/z" is not a valid annotation key: it has 2 '/'`,
      ],
      [
        12,
        `StatefulSet db: spec.volumeClaimTemplates[0].metadata.labels.tier: "-x" is not a valid label value: it starts with '-'`,
      ],
      [
        13,
        'StatefulSet db: spec.volumeClaimTemplates[0].spec.resources.requests.storage: "1GB" is not a valid quantity: "GB" is not a quantity suffix',
      ],
    ],
  );
});

test('a CRD schema naming properties matchLabels or template is not read as labels', async () => {
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            selector:
              type: object
              properties:
                matchLabels: {type: object, additionalProperties: {type: string}}
`;
  const r = await check(crd);
  assert.deepEqual([...r.errors, ...r.warnings], []);
  const selector = await check(
    crd.replace(
      'matchLabels: {type: object, additionalProperties: {type: string}}',
      'matchLabels: {type: object}',
    ) +
      '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: {type: object}}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: x}]\n',
  );
  assert.equal(selector.errors.length, 1, 'but a Deployment selector with a mapping is an error');
  assert.match(selector.errors[0]?.message ?? '', /Deployment web: spec\.selector\.matchLabels\.app/);
});
