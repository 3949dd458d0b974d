// The syntax rules validation applies, checked value by value at their boundaries and
// differentially against straight transcriptions of Kubernetes' own code (regular expressions and
// length limits from k8s.io/apimachinery's validation.go and content/kube.go, the quantity scanner
// from resource/quantity.go and suffix.go) over many generated strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ANNOTATION_KEY,
  DNS1035_LABEL,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  ENV_VAR_NAME,
  ENV_VAR_NAME_BEFORE_1_32,
  LABEL_KEY,
  LABEL_VALUE,
  PATH_SEGMENT,
  PORT_NAME,
  compareQuantities,
  isNegative,
  nameRuleFor,
  parseQuantity,
  type Quantity,
  type SyntaxRule,
} from '@slipway/render/kube-rules.ts';

// --- Kubernetes' definitions, transcribed -------------------------------------------------------
const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const K8S = {
  dns1123Label: (v: string) => v.length <= 63 && new RegExp(`^${dns1123LabelFmt}$`).test(v),
  dns1123Subdomain: (v: string) =>
    v.length <= 253 && new RegExp(`^${dns1123LabelFmt}(\\.${dns1123LabelFmt})*$`).test(v),
  dns1035Label: (v: string) => v.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(v),
  labelKey(v: string): boolean {
    const parts = v.split('/');
    let name: string;
    if (parts.length === 1) name = parts[0] ?? '';
    else if (parts.length === 2) {
      const prefix = parts[0] ?? '';
      if (prefix.length === 0 || !K8S.dns1123Subdomain(prefix)) return false;
      name = parts[1] ?? '';
    } else return false;
    return name.length > 0 && name.length <= 63 && /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(name);
  },
  labelValue: (v: string) => v.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v),
  portName: (v: string) =>
    v.length <= 15 &&
    /^[-a-z0-9]+$/.test(v) &&
    /[a-z]/.test(v) &&
    !v.includes('--') &&
    !(v.startsWith('-') || v.endsWith('-')),
  envVarName: (v: string) =>
    /^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(v) && v !== '.' && v !== '..' && !v.startsWith('..'),
  relaxedEnvVarName: (v: string) =>
    v.length > 0 && [...v].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) <= 0x7e && c !== '='),
  pathSegment: (v: string) => v !== '.' && v !== '..' && !v.includes('/') && !v.includes('%'),
  /** ParseQuantity(strings.TrimSpace(s)) succeeds: parseQuantityString, then the suffixer. */
  quantity(input: string): boolean {
    const str = input.trim();
    if (str.length === 0) return false;
    const digit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
    const end = str.length;
    let pos = 0;
    if (str[0] === '-' || str[0] === '+') pos++;
    while (pos < end && str[pos] === '0') pos++;
    if (pos >= end) return true;
    while (pos < end && digit(str[pos])) pos++;
    if (pos >= end) return true;
    if (str[pos] === '.') {
      pos++;
      while (pos < end && digit(str[pos])) pos++;
      if (pos >= end) return true;
    }
    const suffixStart = pos;
    while (pos < end && 'eEinumkKMGTP'.includes(str[pos] ?? '')) pos++;
    if (pos < end) {
      if (str[pos] === '-' || str[pos] === '+') pos++;
      while (pos < end && digit(str[pos])) pos++;
      if (pos < end) return false;
    }
    const suffix = str.slice(suffixStart);
    if (
      ['', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'].includes(suffix)
    ) {
      return true;
    }
    return (
      suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))
    );
  },
};

/** Deterministic pseudo-random strings over an alphabet (a fixed seed: the same run every time). */
function* strings(alphabet: string, count: number, maxLength: number, seed = 42): Generator<string> {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x;
  };
  for (let n = 0; n < count; n++) {
    const length = next() % (maxLength + 1);
    let s = '';
    for (let i = 0; i < length; i++) s += alphabet[next() % alphabet.length];
    yield s;
  }
}

const valid = (rule: SyntaxRule, v: string) => rule.check(v).length === 0;

function agrees(rule: SyntaxRule, reference: (v: string) => boolean, samples: Iterable<string>): void {
  let tried = 0;
  let accepted = 0;
  for (const v of samples) {
    tried++;
    if (reference(v)) accepted++;
    assert.equal(
      valid(rule, v),
      reference(v),
      `${rule.name} ${JSON.stringify(v)}: ${rule.check(v).join('; ')}`,
    );
  }
  assert.ok(accepted > 0 && accepted < tried, `${rule.name}: the samples hold valid and invalid values`);
}

const long = (n: number, c = 'a') => c.repeat(n);
/** A valid subdomain of exactly n characters: 63-character labels joined by dots. */
function subdomain(n: number): string {
  const parts: string[] = [];
  let left = n;
  while (left > 0) {
    const take = Math.min(63, left);
    parts.push(long(take));
    left -= take + 1;
    if (left === 0) parts[parts.length - 1] = long(take - 1) + 'b';
  }
  let s = parts.join('.');
  while (s.length > n) s = s.slice(0, -1);
  return s.replace(/\.$/, 'x');
}

test('each rule agrees with the Kubernetes definition on generated strings', () => {
  const names = 'ab-.z09A_/%=';
  agrees(DNS1123_LABEL, K8S.dns1123Label, strings(names, 4000, 8));
  agrees(DNS1123_SUBDOMAIN, K8S.dns1123Subdomain, strings(names, 4000, 8));
  agrees(DNS1035_LABEL, K8S.dns1035Label, strings(names, 4000, 8));
  agrees(LABEL_KEY, K8S.labelKey, strings(names, 6000, 10));
  agrees(LABEL_VALUE, K8S.labelValue, strings(names, 4000, 8));
  agrees(PORT_NAME, K8S.portName, strings('ab-09A_', 4000, 8));
  agrees(ENV_VAR_NAME_BEFORE_1_32, K8S.envVarName, strings('aZ_.-09= $é', 4000, 6));
  agrees(ENV_VAR_NAME, K8S.relaxedEnvVarName, strings('aZ_.-09= $é\t', 4000, 6));
  agrees(PATH_SEGMENT, K8S.pathSegment, strings('a./%', 2000, 4));
  // Strings with no digit before the suffix ("-", ".", "Ki", "e5") get through Kubernetes' scanner
  // as zero, but are outside its documented grammar (and kubernetes-models' schemas refuse them).
  const quantities = [...strings('0123456789.+-eEinumkKMGTPB ', 20000, 6)].filter((s) =>
    /^\s*[+-]?\.?\d/.test(s),
  );
  agrees(
    { name: 'quantity', accepts: '', check: (v) => (typeof parseQuantity(v) === 'string' ? ['x'] : []) },
    K8S.quantity,
    quantities,
  );
});

test('length limits: 63 vs 64 for labels and label values, 253 vs 254 for subdomains and prefixes, 15 vs 16 for port names', () => {
  assert.ok(valid(LABEL_VALUE, long(63)));
  assert.deepEqual(LABEL_VALUE.check(long(64)), ['it is 64 characters long']);
  assert.ok(valid(LABEL_VALUE, ''), 'an empty label value is fine');
  assert.ok(valid(DNS1123_LABEL, long(63)));
  assert.deepEqual(DNS1123_LABEL.check(long(64)), ['it is 64 characters long']);
  assert.ok(valid(DNS1035_LABEL, long(63)));
  assert.deepEqual(DNS1035_LABEL.check(long(64)), ['it is 64 characters long']);
  assert.equal(subdomain(253).length, 253);
  assert.ok(valid(DNS1123_SUBDOMAIN, subdomain(253)), subdomain(253));
  assert.deepEqual(DNS1123_SUBDOMAIN.check(subdomain(253) + 'a'), ['it is 254 characters long']);
  assert.ok(valid(LABEL_KEY, long(63)));
  assert.deepEqual(LABEL_KEY.check(long(64)), ['it is 64 characters long']);
  assert.ok(valid(LABEL_KEY, `${subdomain(253)}/${long(63)}`));
  assert.deepEqual(LABEL_KEY.check(`${subdomain(253)}/${long(64)}`), ['its name part is 64 characters long']);
  assert.deepEqual(LABEL_KEY.check(`${subdomain(253)}a/name`), [
    `its prefix ${JSON.stringify(subdomain(253) + 'a')} is not a DNS subdomain (is 254 characters long)`,
  ]);
  assert.ok(valid(PORT_NAME, long(15)));
  assert.deepEqual(PORT_NAME.check(long(16)), ['it is 16 characters long']);
});

test('each rule says why a value breaks it', () => {
  assert.deepEqual(LABEL_VALUE.check('feature-shop/cart'), ["'/' is not allowed"]);
  assert.deepEqual(LABEL_VALUE.check('-x_'), ["it starts with '-'", "it ends with '_'"]);
  assert.deepEqual(LABEL_VALUE.check('a b'), ['a space is not allowed']);
  assert.ok(valid(LABEL_VALUE, 'V1.2_rc-3'), 'upper case, digits, dots and underscores are fine');
  assert.deepEqual(LABEL_KEY.check('a/b/c'), ["it has 2 '/'"]);
  assert.deepEqual(LABEL_KEY.check('/name'), ["the prefix before '/' is empty"]);
  assert.deepEqual(LABEL_KEY.check('example.com/'), ['its name part is empty']);
  assert.deepEqual(LABEL_KEY.check('Example.com/name'), [
    `its prefix "Example.com" is not a DNS subdomain ('E' is not allowed)`,
  ]);
  assert.ok(valid(ANNOTATION_KEY, 'Example.com/Name'), 'annotation keys are compared in lower case');
  assert.ok(!valid(ANNOTATION_KEY, 'example.com/a/b'));
  assert.deepEqual(DNS1035_LABEL.check('1web'), ["it starts with '1'"]);
  assert.ok(valid(DNS1123_LABEL, '1web'), 'an RFC 1123 label may start with a digit');
  assert.deepEqual(DNS1123_LABEL.check('web.v2'), ["'.' is not allowed"]);
  assert.deepEqual(DNS1123_SUBDOMAIN.check('Web'), ["'W' is not allowed"]);
  assert.deepEqual(DNS1123_SUBDOMAIN.check('a..b'), ["it has an empty part ('.' at an end or '..')"]);
  assert.deepEqual(DNS1123_SUBDOMAIN.check('a.-b'), ["a part between dots starts or ends with '-'"]);
  assert.deepEqual(PORT_NAME.check('8080'), ['it has no letter (write a port number unquoted)']);
  assert.deepEqual(PORT_NAME.check('http--alt'), ["it has '--'"]);
  assert.deepEqual(PORT_NAME.check('-http'), ["it starts or ends with '-'"]);
  assert.deepEqual(PORT_NAME.check('HTTP'), ["'H', 'T', 'P' are not allowed", 'it has no letter']);
  assert.deepEqual(ENV_VAR_NAME.check('A=B'), ["'=' is not allowed"]);
  assert.deepEqual(ENV_VAR_NAME.check('ÉTÉ'), ['"É" is not allowed (not printable ASCII)']);
  assert.ok(valid(ENV_VAR_NAME, '1st var:x'), 'Kubernetes 1.32+ takes any printable ASCII but =');
  assert.deepEqual(ENV_VAR_NAME_BEFORE_1_32.check('1st var:x'), [
    "a space, ':' are not allowed",
    'it starts with a digit',
  ]);
  assert.deepEqual(ENV_VAR_NAME_BEFORE_1_32.check('..x'), ["it starts with '..'"]);
  assert.deepEqual(PATH_SEGMENT.check('..'), ["it is '..'"]);
  assert.deepEqual(PATH_SEGMENT.check('a/b'), ["'/' is not allowed"]);
  assert.ok(valid(PATH_SEGMENT, 'system:controller:Foo'), 'RBAC names may have colons and capitals');
});

test('quantities parse as the API server parses them', () => {
  for (const ok of [
    '100m',
    '1.5Gi',
    '2e3',
    '0.5',
    0.5,
    3,
    '1E-3',
    '+1',
    '.5',
    '1.',
    '1.G',
    '12E',
    '1e+3',
    ' 1Gi ',
  ]) {
    assert.equal(typeof parseQuantity(ok), 'object', `${JSON.stringify(ok)} is a quantity`);
  }
  assert.equal(parseQuantity('100MB'), '"MB" is not a quantity suffix');
  assert.equal(parseQuantity('1.5 Gi'), 'it has a space inside');
  assert.equal(parseQuantity('1gi'), '"gi" is not a quantity suffix');
  assert.equal(parseQuantity('0.1mi'), '"mi" is not a quantity suffix');
  assert.equal(parseQuantity('1e'), '"e" is not a quantity suffix');
  assert.equal(parseQuantity('lots'), 'it does not start with a number');
  assert.equal(parseQuantity(''), 'it is empty');
  assert.equal(typeof parseQuantity('1.1.M'), 'string');
  assert.equal(typeof parseQuantity('-3.01e-'), 'string');
  const q = (s: string | number) => parseQuantity(s) as Quantity;
  assert.equal(compareQuantities(q('1Gi'), q('1024Mi')), 0);
  assert.equal(compareQuantities(q('1.5'), q('1500m')), 0);
  assert.equal(compareQuantities(q(0.5), q('500m')), 0);
  assert.equal(compareQuantities(q('2e3'), q('2k')), 0);
  assert.equal(compareQuantities(q('1G'), q('1Gi')), -1);
  assert.equal(compareQuantities(q('10000T'), q('100Gi')), 1, "Kubernetes' own TestQuantityCmp case");
  assert.equal(compareQuantities(q('100m'), q('50m')), 1);
  assert.equal(compareQuantities(q('-1'), q('0')), -1);
  assert.ok(isNegative(q('-1m')));
  assert.ok(!isNegative(q('-0')), '-0 is zero');
});

test('object names follow the rule of their kind', () => {
  assert.equal(nameRuleFor('', 'Service').rule, DNS1035_LABEL);
  assert.equal(nameRuleFor('', 'Namespace').rule, DNS1123_LABEL);
  assert.equal(nameRuleFor('apps', 'StatefulSet').rule, DNS1123_LABEL);
  assert.equal(nameRuleFor('rbac.authorization.k8s.io', 'ClusterRole').rule, PATH_SEGMENT);
  assert.deepEqual(
    ['', 'apps', 'networking.k8s.io', 'example.com'].map((g) => nameRuleFor(g, 'Whatever').rule),
    [DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN],
  );
  assert.equal(nameRuleFor('batch', 'CronJob').max, 52);
  assert.equal(nameRuleFor('batch', 'Job').max, 63);
});
