/** Facts about the Kubernetes API that validation needs beyond the schemas. */

/** Kinds that live outside namespaces (duplicates are compared without a namespace). */
export const CLUSTER_SCOPED = new Set([
  'APIService',
  'CSIDriver',
  'CSINode',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'IPAddress',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'ServiceCIDR',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

/** Groups served by every Kubernetes API server (a custom resource cannot use them). */
export const BUILTIN_GROUPS = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'extensions',
  'flowcontrol.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
]);

/**
 * API versions that Kubernetes stopped serving, per kind: `kubectl apply` fails with "no matches
 * for kind" on every supported cluster. From the deprecated API migration guide:
 * https://kubernetes.io/docs/reference/using-api/deprecation-guide/
 */
const REMOVED: [apiVersion: string, kinds: string[], release: string, use: string][] = [
  ['extensions/v1beta1', ['Deployment', 'DaemonSet', 'ReplicaSet'], '1.16', 'apps/v1'],
  ['extensions/v1beta1', ['NetworkPolicy'], '1.16', 'networking.k8s.io/v1'],
  ['extensions/v1beta1', ['Ingress'], '1.22', 'networking.k8s.io/v1'],
  ['extensions/v1beta1', ['PodSecurityPolicy'], '1.16', 'Pod Security Admission'],
  ['apps/v1beta1', ['Deployment', 'StatefulSet', 'ControllerRevision'], '1.16', 'apps/v1'],
  [
    'apps/v1beta2',
    ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ControllerRevision'],
    '1.16',
    'apps/v1',
  ],
  ['networking.k8s.io/v1beta1', ['Ingress', 'IngressClass'], '1.22', 'networking.k8s.io/v1'],
  ['batch/v1beta1', ['CronJob'], '1.25', 'batch/v1'],
  ['policy/v1beta1', ['PodDisruptionBudget'], '1.25', 'policy/v1'],
  ['policy/v1beta1', ['PodSecurityPolicy'], '1.25', 'Pod Security Admission'],
  ['autoscaling/v2beta1', ['HorizontalPodAutoscaler'], '1.25', 'autoscaling/v2'],
  ['autoscaling/v2beta2', ['HorizontalPodAutoscaler'], '1.26', 'autoscaling/v2'],
  [
    'rbac.authorization.k8s.io/v1beta1',
    ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'],
    '1.22',
    'rbac.authorization.k8s.io/v1',
  ],
  ['apiextensions.k8s.io/v1beta1', ['CustomResourceDefinition'], '1.22', 'apiextensions.k8s.io/v1'],
  ['apiregistration.k8s.io/v1beta1', ['APIService'], '1.22', 'apiregistration.k8s.io/v1'],
  [
    'admissionregistration.k8s.io/v1beta1',
    ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
    '1.22',
    'admissionregistration.k8s.io/v1',
  ],
  ['scheduling.k8s.io/v1beta1', ['PriorityClass'], '1.22', 'scheduling.k8s.io/v1'],
  [
    'storage.k8s.io/v1beta1',
    ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'],
    '1.22',
    'storage.k8s.io/v1',
  ],
  ['storage.k8s.io/v1beta1', ['CSIStorageCapacity'], '1.27', 'storage.k8s.io/v1'],
  ['coordination.k8s.io/v1beta1', ['Lease'], '1.22', 'coordination.k8s.io/v1'],
  ['certificates.k8s.io/v1beta1', ['CertificateSigningRequest'], '1.22', 'certificates.k8s.io/v1'],
  ['discovery.k8s.io/v1beta1', ['EndpointSlice'], '1.25', 'discovery.k8s.io/v1'],
  ['events.k8s.io/v1beta1', ['Event'], '1.25', 'events.k8s.io/v1'],
  ['node.k8s.io/v1beta1', ['RuntimeClass'], '1.25', 'node.k8s.io/v1'],
  [
    'flowcontrol.apiserver.k8s.io/v1beta1',
    ['FlowSchema', 'PriorityLevelConfiguration'],
    '1.26',
    'flowcontrol.apiserver.k8s.io/v1',
  ],
  [
    'flowcontrol.apiserver.k8s.io/v1beta2',
    ['FlowSchema', 'PriorityLevelConfiguration'],
    '1.29',
    'flowcontrol.apiserver.k8s.io/v1',
  ],
  [
    'flowcontrol.apiserver.k8s.io/v1beta3',
    ['FlowSchema', 'PriorityLevelConfiguration'],
    '1.32',
    'flowcontrol.apiserver.k8s.io/v1',
  ],
];

/** Why an apiVersion/kind is no longer served, or undefined when it still is. */
export function removedApi(apiVersion: string, kind: string): string | undefined {
  const hit = REMOVED.find(([v, kinds]) => v === apiVersion && kinds.includes(kind));
  if (!hit) return undefined;
  const [, , release, use] = hit;
  return `${apiVersion} ${kind} was removed in Kubernetes ${release}; use ${use}`;
}

/** Where pod specs sit in workload objects, to check that no container ends up without an image. */
export const POD_SPEC_PATHS: readonly (readonly string[])[] = [
  ['spec'],
  ['spec', 'template', 'spec'],
  ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  ['template', 'spec'],
];

/*
 * The syntax rules the API server applies to names, labels, annotations, ports, environment
 * variables and quantities, as Kubernetes writes them in
 * k8s.io/apimachinery/pkg/util/validation/validation.go,
 * k8s.io/apimachinery/pkg/api/validate/content/kube.go (label keys and values),
 * k8s.io/apimachinery/pkg/api/validation/objectmeta.go (annotations) and
 * k8s.io/apimachinery/pkg/api/resource/quantity.go + suffix.go (quantities).
 * Each rule returns what is wrong with a value (empty when it is valid), so a message can say
 * why, and names itself with the accepted form.
 */

/** A Kubernetes syntax rule: its name, the accepted form in words, and what a value breaks. */
export interface SyntaxRule {
  name: string;
  accepts: string;
  check(value: string): string[];
}

const ALNUM = /[A-Za-z0-9]/;
const LOWER_ALNUM = /[a-z0-9]/;

function showChar(c: string): string {
  if (c === ' ') return 'a space';
  if (c === "'") return '"\'"';
  return /^[\x21-\x7e]$/.test(c) ? `'${c}'` : JSON.stringify(c);
}

/** `'/' is not allowed`, or undefined when every character is in the set. */
function badChars(value: string, allowed: RegExp, hint = ''): string | undefined {
  const bad = [...new Set([...value].filter((c) => !allowed.test(c)))];
  if (bad.length === 0) return undefined;
  const list = bad.slice(0, 5).map(showChar).join(', ') + (bad.length > 5 ? ', …' : '');
  return `${list} ${bad.length === 1 ? 'is' : 'are'} not allowed${hint}`;
}

function tooLong(value: string, max: number): string | undefined {
  return value.length > max ? `it is ${value.length} characters long` : undefined;
}

/** First and last character must match `edge` (checked only once the characters themselves are fine). */
function edges(value: string, edge: RegExp): string[] {
  const out: string[] = [];
  const first = value[0];
  const last = value[value.length - 1];
  if (first !== undefined && !edge.test(first)) out.push(`it starts with ${showChar(first)}`);
  if (last !== undefined && !edge.test(last)) out.push(`it ends with ${showChar(last)}`);
  return out;
}

const defined = (xs: (string | undefined)[]): string[] => xs.filter((x): x is string => x !== undefined);

/** IsDNS1123Label: at most 63 of [a-z0-9-], alphanumeric at both ends. */
export const DNS1123_LABEL: SyntaxRule = {
  name: 'RFC 1123 label',
  accepts: "at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
  check(v) {
    if (v === '') return ['it is empty'];
    const chars = badChars(v, /[-a-z0-9]/);
    return defined([tooLong(v, 63), chars, ...(chars ? [] : edges(v, LOWER_ALNUM))]);
  },
};

/** IsDNS1035Label: like a DNS-1123 label, but starting with a letter. */
export const DNS1035_LABEL: SyntaxRule = {
  name: 'RFC 1035 label',
  accepts:
    "at most 63 lower-case letters, digits and '-', starting with a letter and ending with a letter or digit",
  check(v) {
    if (v === '') return ['it is empty'];
    const chars = badChars(v, /[-a-z0-9]/);
    if (chars) return defined([tooLong(v, 63), chars]);
    const out = defined([tooLong(v, 63)]);
    if (!/^[a-z]/.test(v)) out.push(`it starts with ${showChar(v[0] ?? '')}`);
    if (!/[a-z0-9]$/.test(v)) out.push(`it ends with ${showChar(v[v.length - 1] ?? '')}`);
    return out;
  },
};

/** IsDNS1123Subdomain: at most 253 of [a-z0-9.-], each dot-separated part a label. */
export const DNS1123_SUBDOMAIN: SyntaxRule = {
  name: 'RFC 1123 subdomain',
  accepts:
    "at most 253 lower-case letters, digits, '-' and '.', each part between dots starting and ending with a letter or digit",
  check(v) {
    if (v === '') return ['it is empty'];
    const chars = badChars(v, /[-.a-z0-9]/);
    const out = defined([tooLong(v, 253), chars]);
    if (chars) return out;
    const parts = v.split('.');
    if (parts.some((p) => p === '')) out.push("it has an empty part ('.' at an end or '..')");
    else if (parts.some((p) => !/^[a-z0-9](.*[a-z0-9])?$/.test(p))) {
      out.push("a part between dots starts or ends with '-'");
    }
    return out;
  },
};

/** path.IsValidPathSegmentName: RBAC object names. */
export const PATH_SEGMENT: SyntaxRule = {
  name: 'path segment name',
  accepts: "any name but '.' and '..', without '/' or '%'",
  check(v) {
    if (v === '.' || v === '..') return [`it is '${v}'`];
    const chars = badChars(v, /[^/%]/);
    return chars ? [chars] : [];
  },
};

/** content.IsLabelKey (= IsQualifiedName): [prefix/]name. */
export const LABEL_KEY: SyntaxRule = {
  name: 'label key',
  accepts:
    "an optional DNS subdomain prefix (at most 253 lower-case letters, digits, '-' and '.') and '/', then a name of at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
  check(v) {
    const parts = v.split('/');
    if (parts.length > 2) return [`it has ${parts.length - 1} '/'`];
    const out: string[] = [];
    const name = parts.length === 2 ? (parts[1] ?? '') : v;
    if (parts.length === 2) {
      const prefix = parts[0] ?? '';
      if (prefix === '') out.push("the prefix before '/' is empty");
      else {
        const bad = DNS1123_SUBDOMAIN.check(prefix).map((x) => x.replace(/^it /, ''));
        if (bad.length > 0)
          out.push(`its prefix ${JSON.stringify(prefix)} is not a DNS subdomain (${bad.join(', ')})`);
      }
    }
    // "it is …" of the name part, when there is a prefix, reads "its name part is …".
    const ofName = (x: string) => (parts.length === 2 ? x.replace(/^it /, 'its name part ') : x);
    if (name === '') return [...out, ofName('it is empty')];
    const chars = badChars(name, /[-A-Za-z0-9_.]/);
    out.push(
      ...defined([tooLong(name, 63), chars]).map(ofName),
      ...(chars ? [] : edges(name, ALNUM).map(ofName)),
    );
    return out;
  },
};

/** content.IsLabelValue: empty, or at most 63 of [-A-Za-z0-9_.], alphanumeric at both ends. */
export const LABEL_VALUE: SyntaxRule = {
  name: 'label value',
  accepts:
    "empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
  check(v) {
    if (v === '') return [];
    const chars = badChars(v, /[-A-Za-z0-9_.]/);
    return defined([tooLong(v, 63), chars, ...(chars ? [] : edges(v, ALNUM))]);
  },
};

/**
 * Annotation keys are label keys compared in lower case (ValidateAnnotations lower-cases the key
 * before IsQualifiedName), so `Example.com/Key` is fine there.
 */
export const ANNOTATION_KEY: SyntaxRule = {
  name: 'annotation key',
  accepts: LABEL_KEY.accepts.replace('lower-case letters', 'letters'),
  check: (v) => LABEL_KEY.check(v.toLowerCase()),
};

/** ValidateAnnotationsSize: keys and values of one object, in bytes. */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** IsValidPortName (IANA_SVC_NAME): container port names and named target ports. */
export const PORT_NAME: SyntaxRule = {
  name: 'IANA_SVC_NAME port name',
  accepts:
    "at most 15 lower-case letters, digits and '-', with at least one letter, no '-' at either end and no '--'",
  check(v) {
    const out = defined([tooLong(v, 15), badChars(v, /[-a-z0-9]/)]);
    if (v === '') out.push('it is empty');
    else if (!/[a-z]/.test(v))
      out.push(/^\d+$/.test(v) ? 'it has no letter (write a port number unquoted)' : 'it has no letter');
    if (v.includes('--')) out.push("it has '--'");
    if (v.startsWith('-') || v.endsWith('-')) out.push("it starts or ends with '-'");
    return out;
  },
};

/** IsValidPortNum: 1 to 65535. */
export const isPortNumber = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;

/** The NodePort range an API server uses unless `--service-node-port-range` changes it. */
export const DEFAULT_NODE_PORTS = { min: 30000, max: 32767 } as const;

/**
 * Environment variable names. Kubernetes 1.30 added RelaxedEnvironmentVariableValidation (alpha),
 * on by default since 1.32 (beta) and locked on since 1.34 (GA): any printable ASCII character
 * but '=' (IsRelaxedEnvVarName). Older API servers only take IsEnvVarName: `[-._a-zA-Z][-._a-zA-Z0-9]*`,
 * and not '.', '..' or a name starting with '..'. A name only the relaxed rule accepts is a warning.
 */
export const ENV_VAR_NAME: SyntaxRule = {
  name: 'environment variable name',
  accepts: "printable ASCII characters other than '=', since Kubernetes 1.32",
  check(v) {
    if (v === '') return ['it is empty'];
    return defined([
      badChars(v, /[\x20-\x7e]/, ' (not printable ASCII)'),
      v.includes('=') ? "'=' is not allowed" : undefined,
    ]);
  },
};

/** IsEnvVarName, the rule of API servers before 1.32 (and of 1.30–1.31 without the feature gate). */
export const ENV_VAR_NAME_BEFORE_1_32: SyntaxRule = {
  name: 'environment variable name before Kubernetes 1.32',
  accepts:
    "letters, digits, '_', '-' and '.', not starting with a digit, and not '.', '..' or starting with '..'",
  check(v) {
    if (v === '') return ['it is empty'];
    const out = defined([badChars(v, /[-._a-zA-Z0-9]/)]);
    if (/^[0-9]/.test(v)) out.push('it starts with a digit');
    if (v === '.' || v === '..') out.push(`it is '${v}'`);
    else if (v.startsWith('..')) out.push("it starts with '..'");
    return out;
  },
};

/** A parsed quantity: sign × digits × 10^exp10 × 2^exp2, exactly. */
export interface Quantity {
  negative: boolean;
  digits: bigint;
  exp10: number;
  exp2: number;
}

const SUFFIX_EXP: Record<string, [exp10: number, exp2: number]> = {
  Ki: [0, 10],
  Mi: [0, 20],
  Gi: [0, 30],
  Ti: [0, 40],
  Pi: [0, 50],
  Ei: [0, 60],
  n: [-9, 0],
  u: [-6, 0],
  m: [-3, 0],
  '': [0, 0],
  k: [3, 0],
  M: [6, 0],
  G: [9, 0],
  T: [12, 0],
  P: [15, 0],
  E: [18, 0],
};

/** The accepted form of a quantity, for messages. */
export const QUANTITY_FORM =
  'a number with an optional suffix: Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or an exponent e<n>; e.g. 100m, 1.5Gi, 2e3, 0.5';

const NUMBER_PART = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)/;

/**
 * Parses a quantity as the API server does (ParseQuantity after JSON's TrimSpace): a signed
 * number with an optional binary-SI, decimal-SI or exponent suffix. Returns the quantity, or why
 * it is not one. YAML numbers are quantities too.
 */
export function parseQuantity(input: string | number): Quantity | string {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return 'it is not a finite number';
    input = String(input);
  }
  const s = input.trim();
  if (s === '') return 'it is empty';
  const num = NUMBER_PART.exec(s)?.[0];
  if (!num || !/\d/.test(num)) return 'it does not start with a number';
  const suffix = s.slice(num.length);
  let exp10: number;
  let exp2: number;
  const known = SUFFIX_EXP[suffix];
  if (known) [exp10, exp2] = known;
  else if (/^[eE][+-]?\d+$/.test(suffix)) {
    exp10 = Math.max(-60, Math.min(60, Number(suffix.slice(1))));
    exp2 = 0;
  } else if (/\s/.test(suffix)) return 'it has a space inside';
  else return `${JSON.stringify(suffix)} is not a quantity suffix`;
  const negative = num.startsWith('-');
  const [int = '', frac = ''] = num.replace(/^[+-]/, '').split('.');
  return { negative, digits: BigInt(`${int}${frac}` || '0'), exp10: exp10 - frac.length, exp2 };
}

function scaled(q: Quantity, exp10: number): bigint {
  const sign = q.negative ? -1n : 1n;
  return sign * q.digits * 10n ** BigInt(q.exp10 - exp10) * 2n ** BigInt(q.exp2);
}

/** -1, 0 or 1 as a < b, a = b, a > b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const low = Math.min(a.exp10, b.exp10);
  const x = scaled(a, low);
  const y = scaled(b, low);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** True when the quantity is below zero. */
export const isNegative = (q: Quantity): boolean => q.negative && q.digits !== 0n;

/**
 * How an object's name is checked, per kind, as the API server's registry does
 * (pkg/apis/<group>/validation): most names are DNS subdomains; a Service's is an RFC 1035 label
 * (ValidateServiceName; RelaxedServiceNameValidation, alpha and off by default in 1.34, would take
 * RFC 1123 labels), a Namespace's and a StatefulSet's RFC 1123 labels, RBAC objects' path
 * segments (ValidateRBACName). A CronJob's name is at most 52 characters (the Jobs it creates add
 * 11), a Job's at most 63 (it becomes the job-name label of its pods).
 */
export function nameRuleFor(group: string, kind: string): { rule: SyntaxRule; max?: number; why?: string } {
  if (group === 'rbac.authorization.k8s.io') return { rule: PATH_SEGMENT };
  if (group === '' && kind === 'Service') return { rule: DNS1035_LABEL };
  if (group === '' && kind === 'Namespace') return { rule: DNS1123_LABEL };
  if (group === 'apps' && kind === 'StatefulSet') return { rule: DNS1123_LABEL };
  if (group === 'batch' && kind === 'CronJob') {
    return { rule: DNS1123_SUBDOMAIN, max: 52, why: 'the Jobs it creates append 11 characters' };
  }
  if (group === 'batch' && kind === 'Job') {
    return { rule: DNS1123_SUBDOMAIN, max: 63, why: "it becomes the job-name label of the Job's pods" };
  }
  return { rule: DNS1123_SUBDOMAIN };
}
