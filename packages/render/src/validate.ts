import { KUBE_API_VERSIONS, KUBE_KINDS, KUBE_MODELS_VERSION } from './kube-kinds.ts';
import {
  BUILTIN_GROUPS,
  CLUSTER_SCOPED,
  DNS_LABEL,
  DNS_SUBDOMAIN,
  POD_SPEC_PATHS,
  removedApi,
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
  const at = p.line ? `${p.file} line ${p.line}` : p.file;
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
    const lines = new yaml.LineCounter();
    const docs = yaml.parseAllDocuments(file.content, {
      lineCounter: lines,
      // kubectl reads YAML 1.1 (yes/no/on/off are booleans), so validate what it will see.
      version: '1.1',
      prettyErrors: true,
      uniqueKeys: true,
    });
    const report = (level: Problem['level'], message: string, line: number | undefined) => {
      const sourceLine = line ? templateLineFor(file.templateText, file.content, line) : undefined;
      problems.push({ level, file: file.name, source: file.source, line, sourceLine, message });
    };
    const docList = Array.isArray(docs) ? docs : [];
    const first = docList.flatMap((d) => d.errors)[0];
    if (first) {
      const pos = first.linePos?.[0];
      report('error', `invalid YAML: ${first.message.split('\n')[0]}`, pos?.line);
      continue;
    }
    for (const doc of docList) {
      if (doc.contents === null) continue;
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
        const scope = CLUSTER_SCOPED.has(found.kind) ? '' : (found.namespace ?? opts.namespace);
        const id = `${found.kind}/${scope}/${found.name}`;
        const first = seen.get(id);
        if (first) {
          const where =
            first.file === found.file && first.line
              ? `line ${first.line}`
              : `${first.file} line ${first.line ?? '?'}`;
          report(
            'error',
            `duplicate ${found.kind} ${scope ? `${scope}/` : ''}${found.name}: also defined at ${where}`,
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
  return { objects, problems };
}

interface CheckContext {
  namespace: string;
  file: string;
  line?: number;
  report: (level: Problem['level'], message: string, path: Path) => void;
}

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
  const namespace =
    isObject(metadata) && typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  if (namespace !== undefined && !DNS_LABEL.test(namespace)) {
    ctx.report(
      'error',
      `${label}: metadata.namespace ${JSON.stringify(namespace)} is not a valid namespace (lower-case letters, digits and '-', at most 63)`,
      ['metadata', 'namespace'],
    );
  }
  const group = a.includes('/') ? a.slice(0, a.lastIndexOf('/')) : '';
  const removed = removedApi(a, k);
  if (removed) {
    ctx.report('error', `${label}: ${removed}`, ['apiVersion']);
  } else if (KUBE_KINDS[`${a}/${k}`]) {
    if (group !== 'rbac.authorization.k8s.io' && !DNS_SUBDOMAIN.test(n)) {
      ctx.report(
        'error',
        `${label}: metadata.name must be lower-case letters, digits, '-' and '.', at most 253 characters`,
        ['metadata', 'name'],
      );
    }
    await checkSchema(obj, `${a}/${k}`, k, label, ctx);
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
  checkImages(obj, label, ctx);
  return { file: ctx.file, apiVersion: a, kind: k, name: n, namespace, line: ctx.line };
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

/** `spec.template.spec.containers[0].image` */
export function dotted(path: Path): string {
  return (
    path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(the object)'
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
