import { KUBE_API_VERSIONS, KUBE_KINDS, KUBE_MODELS_VERSION } from './kube-kinds.ts';
import {
  ANNOTATION_KEY,
  ANNOTATIONS_MAX_BYTES,
  BUILTIN_GROUPS,
  CLUSTER_SCOPED,
  DEFAULT_NODE_PORTS,
  DNS1123_LABEL,
  ENV_VAR_NAME,
  ENV_VAR_NAME_BEFORE_1_32,
  LABEL_KEY,
  LABEL_VALUE,
  POD_SPEC_PATHS,
  PORT_NAME,
  QUANTITY_FORM,
  compareQuantities,
  isNegative,
  isPortNumber,
  nameRuleFor,
  parseQuantity,
  removedApi,
  type Quantity,
  type SyntaxRule,
} from './kube-rules.ts';
import type { RenderedFile } from './render.ts';
import { lineOfPath, templateLineFor } from './source-lines.ts';

/** Something wrong (error) or suspicious (warning) in a rendered manifest. */
export interface Problem {
  level: 'error' | 'warning';
  /** The rendered file's name in the release. */
  file: string;
  /** Workspace-relative path of its template. */
  source: string;
  /** Line in the rendered file (1-based). */
  line?: number;
  /** Line in the template, when it can be told. */
  sourceLine?: number;
  /** Which YAML document of the file (1-based), when the file holds more than one. */
  document?: number;
  message: string;
}

/** One Kubernetes object found in the rendered files. */
export interface ManifestObject {
  file: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  line?: number;
}

/** What validation found. */
export interface ValidationResult {
  objects: ManifestObject[];
  problems: Problem[];
}

/** The one-line message of a problem: where in the release, where in the template, what. */
export function formatProblem(p: Problem): string {
  const at = [p.file, p.document ? `document ${p.document}` : '', p.line ? `line ${p.line}` : '']
    .filter(Boolean)
    .join(' ');
  const from = p.sourceLine ? `${p.source} line ${p.sourceLine}` : p.source;
  return `${at} (from ${from}): ${p.message}`;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

type Path = (string | number)[];
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks rendered manifests before anything is published: YAML (several documents per file
 * allowed), apiVersion/kind/metadata.name on every object, the Kubernetes schema of built-in kinds
 * (types and required fields are errors, unknown fields warnings), removed API versions, empty
 * container images and duplicate objects. Custom resources get the structural checks only.
 * Schemas load per kind, only for the kinds present.
 */
export async function validateManifests(
  files: RenderedFile[],
  opts: { namespace: string },
): Promise<ValidationResult> {
  const yaml = await import('yaml');
  const objects: ManifestObject[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, ManifestObject>();

  for (const file of files) {
    const before = problems.length;
    try {
      await checkFile(file);
    } finally {
      // Within a file, in the order of its lines (stable; problems without a line last).
      const mine = problems
        .splice(before)
        .sort((x, y) => (x.line ?? Number.MAX_SAFE_INTEGER) - (y.line ?? Number.MAX_SAFE_INTEGER));
      problems.push(...mine);
    }
  }
  return { objects, problems };

  async function checkFile(file: RenderedFile): Promise<void> {
    const lines = new yaml.LineCounter();
    const docs = yaml.parseAllDocuments(file.content, {
      lineCounter: lines,
      // kubectl reads YAML 1.1 (yes/no/on/off are booleans), so validate what it will see.
      version: '1.1',
      prettyErrors: true,
      uniqueKeys: true,
    });
    const docList = Array.isArray(docs) ? docs : [];
    const several = docList.filter((d) => d.contents !== null).length > 1;
    let document: number | undefined;
    const report = (level: Problem['level'], message: string, line: number | undefined) => {
      const sourceLine = line ? templateLineFor(file.templateText, file.content, line) : undefined;
      problems.push({ level, file: file.name, source: file.source, line, sourceLine, document, message });
    };
    const first = docList.flatMap((d) => d.errors)[0];
    if (first) {
      const pos = first.linePos?.[0];
      report('error', `invalid YAML: ${first.message.split('\n')[0]}`, pos?.line);
      return;
    }
    for (const doc of docList) {
      if (doc.contents === null) continue;
      if (several) document = (document ?? 0) + 1;
      const value: unknown = doc.toJS({ maxAliasCount: 1000 });
      const docLine = lineOfPath(yaml, doc, [], lines);
      if (value === null || value === undefined) continue;
      if (!isObject(value)) {
        report(
          'error',
          'a document must be a Kubernetes object (a mapping with apiVersion, kind and metadata)',
          docLine,
        );
        continue;
      }
      const items =
        value.kind === 'List' && Array.isArray(value.items)
          ? value.items.map((item, i) => ({ obj: item as unknown, path: ['items', i] as Path }))
          : [{ obj: value as unknown, path: [] as Path }];
      for (const { obj, path } of items) {
        const at = (p: Path) => lineOfPath(yaml, doc, [...path, ...p], lines);
        const found = await checkObject(obj, {
          namespace: opts.namespace,
          file: file.name,
          report: (level, message, p) => report(level, message, at(p)),
          line: at([]),
        });
        if (!found) continue;
        objects.push(found);
        const group = groupOf(found.apiVersion);
        const scope =
          BUILTIN_GROUPS.has(group) && CLUSTER_SCOPED.has(found.kind)
            ? ''
            : (found.namespace ?? opts.namespace);
        // The API server's identity of an object: group (not version), kind, namespace, name.
        const id = `${group}/${found.kind}/${scope}/${found.name}`;
        const what = group ? `${found.kind}.${group}` : found.kind;
        const first = seen.get(id);
        if (first) {
          const where =
            first.file === found.file && first.line
              ? `line ${first.line}`
              : `${first.file} line ${first.line ?? '?'}`;
          report(
            'error',
            `duplicate ${what} ${scope ? `${scope}/` : ''}${found.name}: also defined at ${where} (same API group, kind, namespace and name)`,
            found.line,
          );
        } else {
          seen.set(id, found);
        }
      }
    }
    if (docList.every((d) => d.contents === null)) {
      report('warning', 'renders to no Kubernetes object', undefined);
    }
  }
}

interface CheckContext {
  namespace: string;
  file: string;
  line?: number;
  report: (level: Problem['level'], message: string, path: Path) => void;
}

const groupOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';

async function checkObject(obj: unknown, ctx: CheckContext): Promise<ManifestObject | undefined> {
  if (!isObject(obj)) {
    ctx.report('error', 'a list item must be a Kubernetes object', []);
    return undefined;
  }
  const { apiVersion, kind } = obj;
  const metadata = obj.metadata;
  let ok = true;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    ctx.report('error', 'apiVersion is missing (every object needs apiVersion, kind and metadata.name)', []);
    ok = false;
  }
  if (typeof kind !== 'string' || kind === '') {
    ctx.report('error', 'kind is missing (every object needs apiVersion, kind and metadata.name)', []);
    ok = false;
  }
  const name = isObject(metadata) ? metadata.name : undefined;
  if (typeof name !== 'string' || name === '') {
    const what = typeof kind === 'string' ? kind : 'object';
    ctx.report(
      'error',
      name === undefined || name === null || name === ''
        ? `${what} has no metadata.name`
        : `${what}: metadata.name must be a string, got ${describeValue(name)} (quote it)`,
      isObject(metadata) ? ['metadata', ...(name === undefined ? [] : ['name'])] : [],
    );
    ok = false;
  }
  if (!ok) return undefined;
  const a = apiVersion as string;
  const k = kind as string;
  const n = name as string;
  const label = `${k} ${n}`;
  const group = groupOf(a);
  const namespace =
    isObject(metadata) && typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  // Paths the schema already reported, so a field gets one message.
  const flagged = new Set<string>();
  const fields = new FieldChecks(label, ctx, flagged);
  const nameRule = nameRuleFor(group, k);
  if (
    !fields.rule(['metadata', 'name'], n, nameRule.rule, `${k} name`) &&
    nameRule.max &&
    n.length > nameRule.max
  ) {
    fields.error(
      ['metadata', 'name'],
      `${show(n)} is ${n.length} characters long: a ${k} name is at most ${nameRule.max} characters (${nameRule.why ?? ''})`,
    );
  }
  if (namespace !== undefined) fields.rule(['metadata', 'namespace'], namespace, DNS1123_LABEL, 'namespace');
  const removed = removedApi(a, k);
  if (removed) {
    ctx.report('error', `${label}: ${removed}`, ['apiVersion']);
  } else if (KUBE_KINDS[`${a}/${k}`]) {
    await checkSchema(obj, `${a}/${k}`, k, label, ctx, flagged);
  } else if (KUBE_API_VERSIONS.has(a)) {
    const known = Object.keys(KUBE_KINDS)
      .filter((key) => key.slice(0, key.lastIndexOf('/')) === a)
      .map((key) => key.slice(key.lastIndexOf('/') + 1));
    ctx.report('error', `${label}: ${a} has no kind ${k} (it has ${known.join(', ')})`, ['kind']);
  } else if (BUILTIN_GROUPS.has(group)) {
    ctx.report(
      'warning',
      `${label}: ${a} is not a generally available Kubernetes API known to kubernetes-models ${KUBE_MODELS_VERSION}; only the structure was checked`,
      ['apiVersion'],
    );
  }
  // The API server checks every object's metadata, custom resources' too; what is inside a
  // custom resource is up to its CRD, so the field rules below are for built-in kinds only.
  fields.metadata(metadata, ['metadata']);
  if (BUILTIN_GROUPS.has(group)) checkBuiltinFields(obj, group, k, fields);
  checkImages(obj, label, ctx);
  return { file: ctx.file, apiVersion: a, kind: k, name: n, namespace, line: ctx.line };
}

/** A string for messages: quoted, and cut when long (the reason says how long). */
function show(v: string): string {
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}…` : v);
}

/** Reports field problems of one object, once per field, naming the field and the rule broken. */
class FieldChecks {
  constructor(
    readonly label: string,
    readonly ctx: CheckContext,
    readonly flagged: Set<string>,
  ) {}

  error(path: Path, message: string, level: Problem['level'] = 'error'): void {
    const key = dotted(path);
    if (this.flagged.has(key)) return;
    this.flagged.add(key);
    this.ctx.report(level, `${this.label}: ${key}: ${message}`, path);
  }

  /** Checks a string against a rule (`of`: what the value is, when not just the rule's name); true when it broke it. */
  rule(path: Path, value: string, rule: SyntaxRule, of?: string, level: Problem['level'] = 'error'): boolean {
    const bad = rule.check(value);
    if (bad.length === 0) return false;
    this.error(
      path,
      `${show(value)} is not a valid ${of ?? rule.name}: ${bad.join(', ')} (Kubernetes ${rule.name}: ${rule.accepts})`,
      level,
    );
    return true;
  }

  /** A map key against a rule: the path ends at the key. */
  key(path: Path, key: string, rule: SyntaxRule): void {
    const bad = rule.check(key);
    if (bad.length === 0) return;
    this.error(
      path,
      `the key ${show(key)} is not a valid ${rule.name}: ${bad.join(', ')} (Kubernetes ${rule.name}: ${rule.accepts})`,
    );
  }

  labels(map: unknown, path: Path): void {
    if (!isObject(map)) return;
    for (const [key, value] of Object.entries(map)) {
      this.key([...path, key], key, LABEL_KEY);
      if (typeof value === 'string') this.rule([...path, key], value, LABEL_VALUE);
      else if (value !== null) {
        this.error([...path, key], `a label value must be a string, got ${describeValue(value)} (quote it)`);
      }
    }
  }

  annotations(map: unknown, path: Path): void {
    if (!isObject(map)) return;
    let bytes = 0;
    for (const [key, value] of Object.entries(map)) {
      this.key([...path, key], key, ANNOTATION_KEY);
      bytes += Buffer.byteLength(key);
      if (typeof value === 'string') bytes += Buffer.byteLength(value);
      else if (value !== null) {
        this.error(
          [...path, key],
          `an annotation value must be a string, got ${describeValue(value)} (quote it)`,
        );
      }
    }
    if (bytes > ANNOTATIONS_MAX_BYTES) {
      this.error(
        path,
        `keys and values take ${bytes} bytes; Kubernetes allows at most ${ANNOTATIONS_MAX_BYTES} (256 KiB) of annotations per object`,
      );
    }
  }

  metadata(meta: unknown, path: Path): void {
    if (!isObject(meta)) return;
    this.labels(meta.labels, [...path, 'labels']);
    this.annotations(meta.annotations, [...path, 'annotations']);
  }

  /** A port number field: 1–65535 (0 only where the API server fills it in). */
  port(path: Path, value: unknown, zeroOk = false): void {
    if (typeof value !== 'number' || (zeroOk && value === 0) || isPortNumber(value)) return;
    this.error(path, `${value} is not a valid port number (Kubernetes port number: 1 to 65535)`);
  }

  /** An int-or-string port: a number 1–65535 or an IANA_SVC_NAME naming a container port. */
  portOrName(path: Path, value: unknown, zeroOk = false): void {
    if (typeof value === 'string') this.rule(path, value, PORT_NAME);
    else this.port(path, value, zeroOk);
  }

  /** A quantity; returns it when valid. */
  quantity(path: Path, value: unknown): Quantity | undefined {
    if (typeof value !== 'string' && typeof value !== 'number') return undefined;
    const q = parseQuantity(value);
    if (typeof q !== 'string') return q;
    this.error(path, quantityMessage(value, q));
    return undefined;
  }

  quantities(map: unknown, path: Path, nonNegative: boolean): Map<string, Quantity> {
    const out = new Map<string, Quantity>();
    if (!isObject(map)) return out;
    for (const [resource, value] of Object.entries(map)) {
      const q = this.quantity([...path, resource], value);
      if (!q) continue;
      if (nonNegative && isNegative(q)) {
        this.error(
          [...path, resource],
          `${JSON.stringify(value)} is negative (Kubernetes: must be greater than or equal to 0)`,
        );
        continue;
      }
      out.set(resource, q);
    }
    return out;
  }
}

function quantityMessage(value: string | number, why: string): string {
  return `${typeof value === 'string' ? show(value) : String(value)} is not a valid quantity: ${why} (Kubernetes quantity: ${QUANTITY_FORM})`;
}

const get = (obj: unknown, path: readonly (string | number)[]): unknown => {
  let v = obj;
  for (const p of path)
    v = isObject(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
};

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Where built-in kinds nest object metadata (pod and job templates, claim templates). */
const TEMPLATE_METADATA: readonly (readonly string[])[] = [
  ['spec', 'template', 'metadata'],
  ['spec', 'jobTemplate', 'metadata'],
  ['spec', 'jobTemplate', 'spec', 'template', 'metadata'],
  ['template', 'metadata'],
];

/** Field rules of built-in kinds: what the API server's validation refuses beyond the schema. */
function checkBuiltinFields(obj: Json, group: string, kind: string, fields: FieldChecks): void {
  // A CRD's schema describes other objects: its `matchLabels` or `template` are property names.
  if (group === 'apiextensions.k8s.io') return;
  for (const path of TEMPLATE_METADATA) fields.metadata(get(obj, path), [...path]);
  list(get(obj, ['spec', 'volumeClaimTemplates'])).forEach((claim, i) => {
    const at = ['spec', 'volumeClaimTemplates', i];
    fields.metadata(get(claim, ['metadata']), [...at, 'metadata']);
    checkClaimResources(get(claim, ['spec', 'resources']), [...at, 'spec', 'resources'], fields);
  });
  // Label selectors: their matchLabels are labels, wherever they sit (selector, affinity, …).
  walk(obj, [], (value, path) => {
    if (path[path.length - 1] === 'matchLabels') fields.labels(value, path);
  });
  if (group === '' && (kind === 'Service' || kind === 'ReplicationController')) {
    fields.labels(get(obj, ['spec', 'selector']), ['spec', 'selector']);
  }
  for (const specPath of POD_SPEC_PATHS) {
    const spec = get(obj, specPath);
    if (isObject(spec) && Array.isArray(spec.containers)) checkPodSpec(spec, [...specPath], fields);
  }
  if (group === '' && kind === 'Service') checkServicePorts(obj, fields);
  if (group === '' && kind === 'PersistentVolumeClaim') {
    checkClaimResources(get(obj, ['spec', 'resources']), ['spec', 'resources'], fields);
  }
  if (group === '' && kind === 'ResourceQuota')
    fields.quantities(get(obj, ['spec', 'hard']), ['spec', 'hard'], true);
  if (group === '' && kind === 'LimitRange') {
    list(get(obj, ['spec', 'limits'])).forEach((limit, i) => {
      for (const key of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) {
        fields.quantities(get(limit, [key]), ['spec', 'limits', i, key], true);
      }
    });
  }
}

function walk(value: unknown, path: Path, visit: (value: unknown, path: Path) => void): void {
  visit(value, path);
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i], visit));
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) walk(v, [...path, k], visit);
}

function checkClaimResources(resources: unknown, path: Path, fields: FieldChecks): void {
  fields.quantities(get(resources, ['requests']), [...path, 'requests'], true);
  fields.quantities(get(resources, ['limits']), [...path, 'limits'], true);
}

function checkPodSpec(spec: Json, at: Path, fields: FieldChecks): void {
  list(spec.volumes).forEach((volume, i) => {
    fields.quantity([...at, 'volumes', i, 'emptyDir', 'sizeLimit'], get(volume, ['emptyDir', 'sizeLimit']));
  });
  for (const kind of ['initContainers', 'containers', 'ephemeralContainers']) {
    list(spec[kind]).forEach((c, i) => {
      if (!isObject(c)) return;
      const cAt = [...at, kind, i];
      if (typeof c.name === 'string') fields.rule([...cAt, 'name'], c.name, DNS1123_LABEL, 'container name');
      list(c.ports).forEach((p, j) => {
        const pAt = [...cAt, 'ports', j];
        if (typeof get(p, ['name']) === 'string')
          fields.rule([...pAt, 'name'], get(p, ['name']) as string, PORT_NAME);
        fields.port([...pAt, 'containerPort'], get(p, ['containerPort']));
        fields.port([...pAt, 'hostPort'], get(p, ['hostPort']), true);
      });
      list(c.env).forEach((e, j) => {
        const envName = get(e, ['name']);
        if (typeof envName !== 'string') return;
        const path = [...cAt, 'env', j, 'name'];
        if (fields.rule(path, envName, ENV_VAR_NAME)) return;
        const old = ENV_VAR_NAME_BEFORE_1_32.check(envName);
        if (old.length === 0) return;
        fields.error(
          path,
          `${show(envName)} is a valid environment variable name only for Kubernetes 1.32 and later (RelaxedEnvironmentVariableValidation); older API servers refuse it: ${old.join(', ')} (before 1.32: ${ENV_VAR_NAME_BEFORE_1_32.accepts})`,
          'warning',
        );
      });
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        for (const handler of ['httpGet', 'tcpSocket']) {
          fields.portOrName([...cAt, probe, handler, 'port'], get(c, [probe, handler, 'port']));
        }
        fields.port([...cAt, probe, 'grpc', 'port'], get(c, [probe, 'grpc', 'port']));
      }
      checkContainerResources(c.resources, [...cAt, 'resources'], fields);
    });
  }
}

/** Requests and limits are quantities of at least 0, and a request at most its limit (ValidateResourceRequirements). */
function checkContainerResources(resources: unknown, path: Path, fields: FieldChecks): void {
  const limits = fields.quantities(get(resources, ['limits']), [...path, 'limits'], true);
  const requests = fields.quantities(get(resources, ['requests']), [...path, 'requests'], true);
  for (const [resource, request] of requests) {
    const limit = limits.get(resource);
    if (!limit || compareQuantities(request, limit) <= 0) continue;
    const req = get(resources, ['requests', resource]);
    const lim = get(resources, ['limits', resource]);
    fields.error(
      [...path, 'requests', resource],
      `the request ${JSON.stringify(req)} is more than the limit ${JSON.stringify(lim)} (Kubernetes: a request must be less than or equal to its limit)`,
    );
  }
}

function checkServicePorts(obj: Json, fields: FieldChecks): void {
  list(get(obj, ['spec', 'ports'])).forEach((p, i) => {
    const at = ['spec', 'ports', i];
    const portName = get(p, ['name']);
    if (typeof portName === 'string' && portName !== '') {
      fields.rule([...at, 'name'], portName, DNS1123_LABEL, 'Service port name');
    }
    fields.port([...at, 'port'], get(p, ['port']));
    // targetPort 0 or unset is defaulted to port by the API server.
    fields.portOrName([...at, 'targetPort'], get(p, ['targetPort']), true);
    const nodePort = get(p, ['nodePort']);
    fields.port([...at, 'nodePort'], nodePort, true);
    if (
      typeof nodePort === 'number' &&
      isPortNumber(nodePort) &&
      (nodePort < DEFAULT_NODE_PORTS.min || nodePort > DEFAULT_NODE_PORTS.max)
    ) {
      fields.error(
        [...at, 'nodePort'],
        `${nodePort} is outside the default NodePort range ${DEFAULT_NODE_PORTS.min}-${DEFAULT_NODE_PORTS.max}; the API server refuses it unless its --service-node-port-range includes it`,
        'warning',
      );
    }
  });
}

/** Containers of workloads (and of custom resources shaped like them) must name an image. */
function checkImages(obj: Json, label: string, ctx: CheckContext): void {
  for (const specPath of POD_SPEC_PATHS) {
    let spec: unknown = obj;
    for (const part of specPath) spec = isObject(spec) ? spec[part] : undefined;
    if (!isObject(spec) || !Array.isArray(spec.containers)) continue;
    for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
      const containers = spec[list];
      if (!Array.isArray(containers)) continue;
      containers.forEach((c, i) => {
        if (!isObject(c)) return;
        const image = c.image;
        if (typeof image !== 'string' || image.trim() === '') {
          const who = typeof c.name === 'string' ? ` (${c.name})` : '';
          ctx.report(
            'error',
            `${label}: ${[...specPath, `${list}[${i}]`].join('.')}${who} has an empty image`,
            [...specPath, list, i, ...(image === undefined ? [] : ['image'])],
          );
        }
      });
    }
  }
}

/** Validates against the kind's schema, and finds the fields the schema does not know. */
async function checkSchema(
  obj: Json,
  key: string,
  kind: string,
  label: string,
  ctx: CheckContext,
  flagged: Set<string>,
): Promise<void> {
  const load = KUBE_KINDS[key];
  if (!load) return;
  const model = (await quietly(load))[kind] as { prototype: { validate(this: unknown): void } } | undefined;
  if (!model) return;
  // The API server reads `null` as "not set"; the schemas would call it a type error.
  const data = withoutNulls(obj);
  const reads: Tracked[] = [];
  const proxy = track(data, [], reads);
  let errors: AjvError[] = [];
  try {
    model.prototype.validate.call(proxy);
  } catch (err) {
    errors = ((err as { errors?: AjvError[] }).errors ?? []).slice();
    if (errors.length === 0) throw err;
  }
  for (const { message, path } of describeErrors(errors, data)) {
    flagged.add(dotted(path));
    ctx.report('error', `${label}: ${message}`, path);
  }
  for (const t of reads) {
    // An object the validator never looked into is free-form (annotations' values, raw JSON).
    if (Array.isArray(t.value) || t.reads.size === 0) continue;
    for (const field of Object.keys(t.value)) {
      if (t.reads.has(field)) continue;
      const path = [...t.path, field];
      ctx.report(
        'warning',
        `${label}: ${dotted(path)} is not a field of ${kind} (${key.slice(0, key.lastIndexOf('/'))}); kubectl apply --validate=strict refuses it. A typo?`,
        path,
      );
    }
  }
}

/**
 * Runs an import with deprecation warnings off: the schemas' format checks load ajv-formats-draft2019,
 * which requires Node's deprecated `punycode` module, and Node would print DEP0040 into the step
 * log of every run for a module the validation never calls.
 */
async function quietly<T>(load: () => Promise<T>): Promise<T> {
  const before = process.noDeprecation;
  process.noDeprecation = true;
  try {
    return await load();
  } finally {
    process.noDeprecation = before;
  }
}

interface Tracked {
  path: Path;
  value: Json | unknown[];
  reads: Set<string>;
}

/**
 * Wraps an object so every property the compiled schema validator reads is recorded. The ajv
 * code kubernetes-models ships reads each property its schema declares (and every key of maps),
 * so an own key never read is one the schema does not know: the schemas themselves allow
 * additional properties and cannot say so.
 */
function track(value: unknown, path: Path, all: Tracked[]): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const record: Tracked = { path, value: value as Json, reads: new Set() };
  all.push(record);
  const children = new Map<string, unknown>();
  return new Proxy(value, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string') return v;
      record.reads.add(prop);
      if (typeof v !== 'object' || v === null) return v;
      if (!children.has(prop)) {
        children.set(prop, track(v, [...path, Array.isArray(target) ? Number(prop) : prop], all));
      }
      return children.get(prop);
    },
  });
}

function withoutNulls(value: unknown): Json {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (isObject(v)) {
      return Object.fromEntries(
        Object.entries(v)
          .filter(([, x]) => x !== null)
          .map(([k, x]) => [k, strip(x)]),
      );
    }
    return v;
  };
  return strip(value) as Json;
}

function parsePointer(pointer: string): Path {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** `spec.template.spec.containers[0].image`, `metadata.labels["app.kubernetes.io/name"]` */
export function dotted(path: Path): string {
  return (
    path
      .map((p, i) =>
        typeof p === 'number'
          ? `[${p}]`
          : !/^[A-Za-z0-9_-]+$/.test(p)
            ? `[${JSON.stringify(p)}]`
            : i === 0
              ? p
              : `.${p}`,
      )
      .join('') || '(the object)'
  );
}

function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const p of path) v = (v as Record<string | number, unknown> | undefined)?.[p];
  return v;
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}…` : v)}`;
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a mapping';
  return `the ${typeof v} ${String(v)}`;
}

function alternative(e: AjvError): string {
  switch (e.keyword) {
    case 'type':
      return `be ${/^[aeiou]/.test(String(e.params.type)) ? 'an' : 'a'} ${String(e.params.type)}`;
    case 'format':
      return `be a string in ${String(e.params.format)} format`;
    case 'enum':
      return `be one of ${(e.params.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}`;
    case 'pattern':
      return `be a string matching ${String(e.params.pattern)}`;
    default:
      return e.message ? e.message.replace(/^must /, '') : `satisfy ${e.keyword}`;
  }
}

/** Turns ajv's errors into one message per field, in the words of someone reading the YAML. */
function describeErrors(errors: AjvError[], data: unknown): { message: string; path: Path }[] {
  const out: { message: string; path: Path }[] = [];
  const byPath = new Map<string, AjvError[]>();
  for (const e of errors) {
    if (e.keyword === 'required') {
      const path = [...parsePointer(e.instancePath), String(e.params.missingProperty)];
      out.push({ message: `${dotted(path)} is required`, path: parsePointer(e.instancePath) });
      continue;
    }
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  for (const [pointer, list] of byPath) {
    const path = parsePointer(pointer);
    // A Secret's data and stringData are never echoed into the log, not even in part.
    const secretValue =
      (data as { kind?: unknown }).kind === 'Secret' && (path[0] === 'data' || path[0] === 'stringData');
    const value = valueAt(data, path);
    const got = secretValue ? `a value (not shown: Secret ${String(path[0])})` : describeValue(value);
    // A string the schema's quantity format refuses: say why, in the API server's grammar.
    if (
      list.some((e) => e.keyword === 'format' && e.params.format === 'quantity') &&
      typeof value === 'string'
    ) {
      const why = parseQuantity(value);
      if (typeof why === 'string') {
        out.push({ message: `${dotted(path)}: ${quantityMessage(value, why)}`, path });
        continue;
      }
    }
    const union = list.some((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
    const parts = [
      ...new Set(list.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf').map(alternative)),
    ];
    const expected =
      union && parts.every((p) => p.startsWith('be '))
        ? `be ${parts.map((p) => p.slice(3)).join(' or ')}`
        : parts.join(union ? ' or ' : ' and ');
    out.push({ message: `${dotted(path)} must ${expected || 'be valid'}, got ${got}`, path });
  }
  return out.sort((x, y) => dotted(x.path).localeCompare(dotted(y.path)));
}
