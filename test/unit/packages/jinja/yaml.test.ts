/**
 * readValuesYaml reads values files as PyYAML's safe_load (YAML 1.1) does: checked against
 * PyYAML itself for every scalar kind, plus the YAML 1.1/1.2 warnings and the failures
 * (invalid YAML, several documents, unsupported tags, alias bombs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { PyDate, ValuesYamlError, pyRepr, readValuesYaml } from '../../../../packages/jinja/src/index.ts';
import { findPython } from '../../../conformance/harness.ts';

// Every scalar kind PyYAML resolves, and the near misses that stay strings.
const SCALARS = [
  ...['yes', 'Yes', 'YES', 'yEs', 'no', 'No', 'NO', 'on', 'On', 'ON', 'oN', 'off', 'Off', 'OFF'],
  ...['y', 'Y', 'n', 'N', 'true', 'True', 'TRUE', 'tRue', 'false', 'False', 'FALSE'],
  ...['null', 'Null', 'NULL', 'nULL', '~', ''],
  ...['0644', '0o644', '0x1F', '0X1F', '0b101', '-0b11', '+0x1F', '0x_1F', '0b1_0', '0_7', '00', '010', '09'],
  ...['1_000', '1__0', '1_', '+1', '-0', '0', '123456789012345678901234567890', '1 000'],
  ...['1:20', '1:20:30', '-1:20', '190:20:30', '1:60', '1:20.5', '1.5:30', '12:30:45.5'],
  ...['.5', '._5', '.5_', '+.5', '-.5', '1.', '0.', '08.5', '1_0.5', '3.14_15', '1.10', '-0.0', '0.1'],
  ...['1e3', '1E3', '1.0e3', '1.0e+3', '1e+3', '1.5e3', '6.02e+23', '+0.5e-3', '12e03'],
  ...['.inf', '-.Inf', '+.INF', '.NaN', '.nan', '.NAN'],
  ...['2024-01-02', '2024-1-2', '2024-01-02T03:04:05Z', '2024-01-02 03:04:05', '2024-01-02t03:04:05z'],
  ...['2024-01-02T03:04:05.123+02:00', '2024-01-02T03:04:05-05:30', '2024-01-02T03:04:00'],
  ...['2024-01-02 3:04:05.1234567 +1', '2024-02-29'],
  ...[
    '"0644"',
    "'yes'",
    '!!str 0644',
    '!!int "42"',
    '!!float "1"',
    '!!bool "yes"',
    '!!null "x"',
    '! yes',
    '! "yes"',
    '! 12',
  ],
  ...['1.2.3', '0x', '0b', 'shop:2.0', 'http://example.com:8080/', '~/home', '"tab\\tnl\\n"', "'it''s'"],
];

describe('readValuesYaml', () => {
  it('reads every scalar kind as PyYAML safe_load does', () => {
    const python = findPython();
    if ('error' in python) assert.fail(python.error);
    const script =
      'import json, sys, yaml\n' +
      'out = []\n' +
      'for s in json.load(sys.stdin):\n' +
      '    try: out.append(repr(yaml.safe_load("k: " + s)["k"]))\n' +
      '    except Exception as e: out.append("error")\n' +
      'print(json.dumps(out))\n';
    const r = spawnSync(python.python, ['-c', script], { input: JSON.stringify(SCALARS), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const expected = JSON.parse(r.stdout) as string[];
    const actual = SCALARS.map((s) => {
      try {
        return pyRepr(
          (readValuesYaml(`k: ${s}`, 'values.yaml').value as Map<string, never>).get('k') ?? null,
        );
      } catch (err) {
        if (err instanceof ValuesYamlError) return 'error';
        throw err;
      }
    });
    const differences = SCALARS.flatMap((s, i) =>
      actual[i] === expected[i] ? [] : [`${s}: PyYAML ${expected[i]}, readValuesYaml ${actual[i]}`],
    );
    assert.deepEqual(differences, []);
  });

  it('reads structures, merge keys, duplicate keys and non-string keys as PyYAML does', () => {
    const text = [
      'base: &base {port: 80, protocol: TCP}',
      'svc:',
      '  <<: *base',
      '  port: 8080',
      'a: &a {x: 1, y: 1}',
      'b: &b {y: 2, z: 2}',
      'both:',
      '  <<: [*a, *b]',
      '  w: 0',
      'dup: {k: 1, j: 2, k: 3}',
      'keys: {on: a, yes: b, 1: c, 1.0: d, ~: e, 2024-01-02: f}',
      'shared: *a',
    ].join('\n');
    const { value } = readValuesYaml(text, 'values.yaml');
    assert.equal(
      pyRepr(value),
      "{'base': {'port': 80, 'protocol': 'TCP'}, 'svc': {'port': 8080, 'protocol': 'TCP'}, " +
        "'a': {'x': 1, 'y': 1}, 'b': {'y': 2, 'z': 2}, 'both': {'y': 1, 'z': 2, 'x': 1, 'w': 0}, " +
        "'dup': {'k': 3, 'j': 2}, 'keys': {True: 'd', None: 'e', datetime.date(2024, 1, 2): 'f'}, " +
        "'shared': {'x': 1, 'y': 1}}",
    );
    const map = value as Map<string, unknown>;
    assert.equal(map.get('shared'), map.get('a'), 'an alias is the same object, as in PyYAML');
  });

  it('reads dates as datetime.date with Python str, repr and attributes', () => {
    const { value } = readValuesYaml('d: 2024-03-04\nt: 2024-03-04T05:06:07.5Z', 'values.yaml');
    const map = value as Map<string, unknown>;
    const d = map.get('d');
    assert.ok(d instanceof PyDate);
    assert.equal(d.str(), '2024-03-04');
    assert.equal(d.repr(), 'datetime.date(2024, 3, 4)');
    assert.equal(d.getAttr('year'), 2024n);
    const t = map.get('t') as PyDate;
    assert.equal(t.str(), '2024-03-04 05:06:07.500000+00:00');
    assert.equal(t.getAttr('microsecond'), 500000n);
  });

  it('warns once per plain scalar that YAML 1.2 reads differently, with its line and both readings', () => {
    const text = [
      'enabled: on', // 1
      'mode: 0644', // 2
      'port_map: 1:20', // 3
      'plain: true', // 4
      'quoted: "on"', // 5
      'ratio: 1.5', // 6
      'big: 1e3', // 7
      'on: trigger', // 8
      'ref: &r yes', // 9
      'again: *r', // 10
    ].join('\n');
    const { warnings } = readValuesYaml(text, 'values.yaml');
    assert.deepEqual(warnings, [
      { line: 1, text: 'on', yaml11: 'True (bool)', yaml12: "'on' (str)" },
      { line: 2, text: '0644', yaml11: '420 (int)', yaml12: '644 (int)' },
      { line: 3, text: '1:20', yaml11: '80 (int)', yaml12: "'1:20' (str)" },
      { line: 7, text: '1e3', yaml11: "'1e3' (str)", yaml12: '1000.0 (float)' },
      { line: 8, text: 'on', yaml11: 'True (bool)', yaml12: "'on' (str)" },
      { line: 9, text: 'yes', yaml11: 'True (bool)', yaml12: "'yes' (str)" },
    ]);
  });

  it('returns None for an empty document', () => {
    assert.deepEqual(readValuesYaml('# nothing\n', 'values.yaml'), { value: null, warnings: [] });
  });

  it('fails with the file and line for invalid YAML', () => {
    assert.throws(
      () => readValuesYaml('a: 1\nb: [1, 2\nc: 3\n', 'deploy/values.yaml'),
      (err: unknown) =>
        err instanceof ValuesYamlError &&
        err.file === 'deploy/values.yaml' &&
        err.line !== undefined &&
        /^deploy\/values\.yaml:\d+: invalid YAML/.test(err.message),
    );
  });

  it('fails for several documents, as safe_load does', () => {
    assert.throws(() => readValuesYaml('a: 1\n---\nb: 2\n', 'values.yaml'), ValuesYamlError);
  });

  it('fails for tags it cannot represent and for unknown tags', () => {
    assert.throws(() => readValuesYaml('b: !!binary aGVsbG8=', 'values.yaml'), /!!binary is not supported/);
    assert.throws(() => readValuesYaml('s: !!set {a, b}', 'values.yaml'), /!!set is not supported/);
    assert.throws(() => readValuesYaml('o: !!omap [{a: 1}]', 'values.yaml'), /!!omap is not supported/);
    assert.throws(() => readValuesYaml('p: !!pairs [{a: 1}]', 'values.yaml'), /!!pairs is not supported/);
    assert.throws(() => readValuesYaml('r: !Ref bucket', 'values.yaml'), /could not determine a constructor/);
    assert.throws(() => readValuesYaml('n: !!int "abc"', 'values.yaml'), /values\.yaml:1: invalid literal/);
    assert.throws(() => readValuesYaml('k: =', 'values.yaml'), /could not determine a constructor/);
  });

  it('refuses tabs where PyYAML refuses them, and accepts them in strings, block scalars and comments', () => {
    for (const bad of ['k: v\t', 'k: a\tb', 'k: [1,\t2]', '- \ta', 'k: 1\n\t\nj: 2']) {
      assert.throws(() => readValuesYaml(bad, 'values.yaml'), /values\.yaml:\d+: a tab character/, bad);
    }
    const { value } = readValuesYaml('a: "x\ty" #\tnote\nb: |\n  p\tq\nc: \'r\ts\'\n', 'values.yaml');
    assert.equal(pyRepr(value), "{'a': 'x\\ty', 'b': 'p\\tq\\n', 'c': 'r\\ts'}");
  });

  it('refuses raw YAML 1.1 line break characters (NEL, LS, PS) and accepts them escaped', () => {
    assert.throws(
      () => readValuesYaml('a: 1\nb: "x\u2028y"\n', 'values.yaml'),
      /values\.yaml:2: a raw U\+2028 character/,
    );
    assert.equal(pyRepr(readValuesYaml('b: "x\\u2028y"\n', 'values.yaml').value), "{'b': 'x\\u2028y'}");
  });

  it('fails for unhashable keys, as safe_load does', () => {
    assert.throws(() => readValuesYaml('? [1, 2]\n: v\n', 'values.yaml'), /unhashable key/);
  });

  it('stops an alias bomb with a clear error instead of expanding it', () => {
    const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    assert.throws(
      () => readValuesYaml(lines.join('\n'), 'values.yaml'),
      (err: unknown) => err instanceof ValuesYamlError && /alias bomb/.test(err.message),
    );
    // A few ordinary aliases are fine.
    assert.doesNotThrow(() => readValuesYaml(lines.slice(0, 3).join('\n'), 'values.yaml'));
  });

  it('refuses an anchor defined twice, as PyYAML does', () => {
    assert.throws(
      () => readValuesYaml('a: &x 1\nb: &x 2\nc: *x\n', 'values.yaml'),
      /values\.yaml:2: the anchor &x is defined twice/,
    );
  });

  it('refuses an anchor used inside itself', () => {
    assert.throws(() => readValuesYaml('a: &a [1, *a]\n', 'values.yaml'), /recursive alias/);
  });
});
