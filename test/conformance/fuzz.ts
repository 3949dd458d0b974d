/**
 * `npx tsx test/conformance/fuzz.ts [count] [seed] [--ws]`: renders random expressions (literals,
 * the operators, filters, tests, methods and subscripts templates use) — or with `--ws` random
 * templates mixing text, indentation, newlines and tags with every whitespace-control modifier, or
 * with `--scope` random nestings of set/for/if/with/macro/call/filter blocks that read and assign
 * variables (Jinja2's scoping rules), with `--autoescape` expressions inside an autoescape block,
 * with `--strings` the string filters and methods on random (unicode-heavy) strings, or with
 * `--format` random str.format specs and printf conversions on numbers and strings, or with `--data`
 * the sequence filters on random lists and dicts of mixed values —
 * with Python's Jinja2 and with @slipway/jinja, and prints the ones that differ, smallest first.
 * A discovery tool for new conformance cases; the corpus under cases/ is what CI checks.
 */
import { compare, findPython, renderWithEngine, runOracle } from './harness.ts';
import type { Case, Rendering } from './harness.ts';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const whitespace = process.argv.includes('--ws');
const scoping = process.argv.includes('--scope');
const autoescape = process.argv.includes('--autoescape');
const strings = process.argv.includes('--strings');
const formats = process.argv.includes('--format');
const data = process.argv.includes('--data');
const depth = Number(process.argv.find((a) => a.startsWith('--depth='))?.slice('--depth='.length) ?? 3);
const count = Number(positional[0] ?? 2000);
const seedText = positional[1] ?? '1';
let seed = Number(seedText);

function rand(): number {
  // mulberry32: small, seedable, reproducible.
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)] as T;
}

const VALUES = [
  'xs: [3, 1, 2]',
  'ws: [b, A, a, C]',
  'd: {b: 1, a: 2, c: 0}',
  'people: [{name: ann, age: 30, team: x}, {name: bob, age: 20, team: y}, {name: cid, age: 25, team: x}]',
  's: "Hello World-wide"',
  'e: ""',
  'n: 7',
  'z: 0',
  'f: 2.5',
  'g: -0.5',
  'big: 12345678901234567890',
  'none_: null',
  'flag: true',
  'nested: {a: {b: [1, {c: d}]}}',
].join('\n');

const ATOMS = [
  '0',
  '1',
  '2',
  '-3',
  '7',
  '10',
  '2.0',
  '0.5',
  '-0.0',
  '1e16',
  '1.5e-5',
  '2.675',
  '255',
  '"a"',
  '""',
  '"ab c"',
  '"É"',
  '"1"',
  '"a,b,,c"',
  '" x "',
  '"%s"',
  '"{}"',
  "'it''s'",
  'none',
  'true',
  'false',
  '[]',
  '[1, 2]',
  '["b", "a"]',
  '(1, "a")',
  '{}',
  '{"k": 1}',
  '{"a": [1]}',
  'xs',
  'ws',
  'd',
  'people',
  's',
  'e',
  'n',
  'z',
  'f',
  'g',
  'big',
  'none_',
  'flag',
  'nested',
  'nested.a',
  'range(4)',
  'range(1, 8, 3)',
];
const BINOPS = [
  '+',
  '-',
  '*',
  '/',
  '//',
  '%',
  '**',
  '~',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'in',
  'not in',
  'and',
  'or',
];
const FILTERS = [
  'upper',
  'lower',
  'title',
  'capitalize',
  'length',
  'count',
  'list',
  'sort',
  'sort(reverse=true)',
  'reverse | list',
  'first',
  'last',
  'join(",")',
  'join',
  'string',
  'int',
  'float',
  'abs',
  'round',
  'round(1)',
  'round(1, "floor")',
  'unique | list',
  'min',
  'max',
  'sum',
  'tojson',
  'default("D")',
  'default("D", true)',
  'trim',
  'center(7)',
  'replace("a", "b")',
  'batch(2) | list',
  'slice(2) | list',
  'map("string") | list',
  'select | list',
  'reject | list',
  'select("odd") | list',
  'dictsort',
  'items | list',
  'wordcount',
  'truncate(5)',
  'indent(2)',
  'indent(2, true)',
  'e',
  'striptags',
  'filesizeformat',
  'pprint',
  'urlencode',
  'format(1)',
  'wordwrap(5)',
  'map(attribute="name") | list',
  'selectattr("team", "eq", "x") | list',
  'groupby("team") | list',
  'sum(attribute="age")',
  'min(attribute="age")',
  'sort(attribute="age") | map(attribute="name") | join',
  'xmlattr',
];
const TESTS = [
  'defined',
  'undefined',
  'none',
  'number',
  'integer',
  'float',
  'string',
  'mapping',
  'sequence',
  'iterable',
  'odd',
  'even',
  'divisibleby 3',
  'boolean',
  'true',
  'false',
  'lower',
  'upper',
  'in [1, "a"]',
  'eq 1',
  'lt 3',
  'callable',
  'sameas none',
];
const METHODS = [
  'upper()',
  'lower()',
  'split()',
  'split(",")',
  'strip()',
  'title()',
  'startswith("a")',
  'endswith("e")',
  'replace("l", "L")',
  'find("o")',
  'count("l")',
  'zfill(5)',
  'center(9, "*")',
  'items() | list',
  'keys() | list',
  'values() | list',
  'get("a")',
  'get("zz", 0)',
  'index(1)',
  'count(1)',
  'format(1, 2)',
  'join(["x", "y"])',
  'isdigit()',
  'rsplit(" ", 1)',
  'partition("-")',
  'splitlines()',
  'capitalize()',
  'swapcase()',
  'ljust(6, ".")',
  'copy()',
];

function expr(depth: number): string {
  const r = rand();
  if (depth <= 0 || r < 0.25) return pick(ATOMS);
  if (r < 0.45) return `(${expr(depth - 1)} ${pick(BINOPS)} ${expr(depth - 1)})`;
  if (r < 0.65) return `(${expr(depth - 1)} | ${pick(FILTERS)})`;
  if (r < 0.72) return `(${expr(depth - 1)} is ${rand() < 0.2 ? 'not ' : ''}${pick(TESTS)})`;
  if (r < 0.82) return `${pick(['s', '"a-b c"', 'd', 'xs', 'ws', '"{}-{}"', '", "'])}.${pick(METHODS)}`;
  if (r < 0.88) return `(${expr(depth - 1)} if ${expr(depth - 1)} else ${expr(depth - 1)})`;
  if (r < 0.94)
    return `${pick(['xs', 'ws', 's', '"hello"', 'people', 'range(10)'])}[${pick(['0', '-1', '1:', ':2', '::-1', '1:3', '::2', '5'])}]`;
  return `${pick(['not ', '-'])}${expr(depth - 1)}`;
}

const TEXT = ['\n', '\n', '  ', '\t', 'x', ' y ', '\n  ', '\r\n', 'a\n\n'];
const LEFT = ['', '', '-', '+'];
const RIGHT = ['', '', '-', '+'];

function tag(body: string): string {
  return `{%${pick(LEFT)} ${body} ${pick(RIGHT)}%}`;
}

function block(depth: number): string {
  let out = '';
  const n = 1 + Math.floor(rand() * 5);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.35 || depth <= 0) out += pick(TEXT);
    else if (r < 0.5) out += `{{${pick(['', '-'])} ${pick(['1', '"v"', 'n'])} ${pick(['', '-'])}}}`;
    else if (r < 0.6) out += `{#${pick(['', '-', '+'])} c ${pick(['', '-'])}#}`;
    else if (r < 0.72)
      out += `${tag(pick(['if true', 'if false', 'if n']))}${block(depth - 1)}${rand() < 0.3 ? tag('else') + block(depth - 1) : ''}${tag('endif')}`;
    else if (r < 0.84) out += `${tag('for i in [1, 2]')}${block(depth - 1)}${tag('endfor')}`;
    else if (r < 0.9) out += tag('set q = 1');
    else if (r < 0.95) out += `${tag('raw')}${pick(TEXT)}{{ r }}${pick(TEXT)}${tag('endraw')}`;
    else out += `${tag('macro m()')}${block(depth - 1)}${tag('endmacro')}{{ m() }}`;
  }
  return out;
}

const NAMES = ['a', 'b', 'c'];
function val(): string {
  const v = pick(NAMES);
  return pick([`(${v} | default("u"))`, `${v} is defined`, `"L"`, `(${v} | default(0) ~ "+")`, 'ns.n']);
}
function scope(d: number): string {
  let out = '';
  const n = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) {
    const r = rand();
    const v = pick(NAMES);
    if (r < 0.25 || d <= 0) out += `[{{ ${val()} }}]`;
    else if (r < 0.4) out += `{% set ${v} = ${val()} %}`;
    else if (r < 0.5) out += `{% for ${pick([v, 'i'])} in [1, 2] %}${scope(d - 1)}{% endfor %}`;
    else if (r < 0.58)
      out += `{% if ${pick(['true', 'false'])} %}${scope(d - 1)}{% else %}${scope(d - 1)}{% endif %}`;
    else if (r < 0.66) out += `{% with ${v} = ${val()} %}${scope(d - 1)}{% endwith %}`;
    else if (r < 0.74)
      out += `{% macro m${i}(${pick(['', v, `${v}=1`])}) %}${scope(d - 1)}{% endmacro %}{{ m${i}() }}`;
    else if (r < 0.8) out += `{% set ${v} %}${scope(d - 1)}{% endset %}`;
    else if (r < 0.86) out += `{% set ns.n = ${val()} %}`;
    else if (r < 0.92)
      out += `{% macro k${i}() %}<{{ caller() }}>{% endmacro %}{% call k${i}() %}${scope(d - 1)}{% endcall %}`;
    else out += `{% filter upper %}${scope(d - 1)}{% endfilter %}`;
  }
  return out;
}

const CHARS = [
  ...'aAbBzZ09 -_.,:;!?\'"/\\()[]{}<>&#%*+=@~^|`$',
  ...['  ', '\t', '\n', '\r\n', '\u00a0', '\x1c', '\u3000', '\u200b'],
  ...['é', 'É', 'ß', 'ǅ', 'ǆ', 'İ', 'ı', 'ﬁ', 'Σ', 'ς', 'σ', 'Ω', 'ω', 'ŉ', 'ΐ', 'ǰ'],
  ...['²', '½', '٣', 'Ⅻ', '😀', '👍🏽', 'e\u0301', '中文', 'ʼn', 'ᾳ', 'ᾼ'],
  ...['<b>', '</b>', '&amp;', '&lt;', '&#39;', '<!-- c -->', 'http://x.io/a?b=1', 'www.ex.com', 'a@b.co'],
  ...['word', 'Word', 'WORD', "it's", "o'neil", 'x-y', 'a_b', '3rd', '1st'],
];
const STRING_OPS = [
  'upper',
  'lower',
  'title',
  'capitalize',
  'trim',
  'striptags',
  'wordcount',
  'length',
  'reverse',
  'center(12)',
  'indent(2)',
  'indent(2, true, true)',
  'truncate(10)',
  'truncate(10, true)',
  'wordwrap(8)',
  'wordwrap(8, false)',
  'urlencode',
  'urlize',
  'urlize(10)',
  'e',
  'tojson',
  'list',
  'replace(" ", "_")',
  'float',
  'int',
  'string | pprint',
  'first',
  'last',
  'unique | list',
  'sort',
  'min',
  'max',
  'title | swapcase is defined',
  'format',
  'xmlattr is defined',
];
const STRING_METHODS = [
  'upper()',
  'lower()',
  'title()',
  'capitalize()',
  'swapcase()',
  'casefold()',
  'strip()',
  'lstrip()',
  'rstrip()',
  'split()',
  'rsplit(None, 1)',
  'splitlines()',
  'splitlines(true)',
  'isalpha()',
  'isalnum()',
  'isdigit()',
  'isdecimal()',
  'isnumeric()',
  'isspace()',
  'islower()',
  'isupper()',
  'istitle()',
  'zfill(8)',
  'center(9, "*")',
  'ljust(9)',
  'rjust(9)',
  'expandtabs(4)',
  'partition(" ")',
  'rpartition(" ")',
  'find("a")',
  'count(" ")',
];

const FORMAT_VALUES = [
  '0',
  '7',
  '-7',
  '255',
  '123456789',
  '-1234567.891',
  '3.14159',
  '2.5',
  '-0.0',
  '1e16',
  '1e-7',
  '0.000123',
  '1e300',
  '(2 ** 70)',
  'true',
  '"abc"',
  '""',
  '"é"',
  'n',
  'f',
  'g',
];
function formatSpec(): string {
  let spec = '';
  if (rand() < 0.3) spec += pick(['', '*', '0', '_', ' ']) + pick(['<', '>', '^', '=']);
  if (rand() < 0.3) spec += pick(['+', '-', ' ']);
  if (rand() < 0.15) spec += '#';
  if (rand() < 0.15) spec += '0';
  if (rand() < 0.5) spec += String(Math.floor(rand() * 14));
  if (rand() < 0.2) spec += pick([',', '_']);
  if (rand() < 0.4) spec += `.${Math.floor(rand() * 8)}`;
  if (rand() < 0.7)
    spec += pick(['d', 'f', 'F', 'e', 'E', 'g', 'G', '%', 'x', 'X', 'o', 'b', 'c', 's', 'n', '']);
  return spec;
}
function printfSpec(): string {
  let spec = '%';
  for (const flag of ['-', '+', ' ', '#', '0']) if (rand() < 0.15) spec += flag;
  if (rand() < 0.5) spec += String(Math.floor(rand() * 12));
  if (rand() < 0.4) spec += `.${Math.floor(rand() * 7)}`;
  return spec + pick(['d', 'i', 'f', 'F', 'e', 'E', 'g', 'G', 'x', 'X', 'o', 'c', 's', 'r', 'a', 'u']);
}

const SCALARS = [
  '0',
  '1',
  '-2',
  '2.5',
  '1.0',
  'true',
  'false',
  'null',
  'a',
  'B',
  'b',
  '"10"',
  '"9"',
  'é',
  '""',
  '1e3',
];
const DATA_OPS = [
  'sort',
  'sort(reverse=true)',
  'sort(case_sensitive=true)',
  'unique | list',
  'min',
  'max',
  'sum',
  'join(",")',
  'first',
  'last',
  'length',
  'reverse | list',
  'batch(2) | list',
  'slice(2) | list',
  'select | list',
  'reject | list',
  'select("number") | list',
  'select("string") | list',
  'map("string") | list',
  'map("int") | list',
  'map("float") | sum',
  'map("abs") | list',
  'tojson',
  'dictsort',
  'groupby("k") | list',
  'sort(attribute="k") | list',
  'unique(attribute="k") | list',
  'min(attribute="k")',
  'max(attribute="k")',
  'sum(attribute="k")',
  'map(attribute="k") | list',
  'selectattr("k") | list',
  'rejectattr("k", "none") | list',
  'items | list',
  'list | pprint',
];

function randomData(): string {
  const n = Math.floor(rand() * 5);
  const kind = rand();
  const items: string[] = [];
  for (let i = 0; i < n; i++) {
    if (kind < 0.4) items.push(pick(SCALARS));
    else if (kind < 0.6) items.push(pick(SCALARS.slice(0, 6)));
    else if (kind < 0.8) items.push(`{k: ${pick(SCALARS)}, v: ${i}}`);
    else items.push(`${pick(['a', 'b', 'B', 'x', '1', '2'])}${i}: ${pick(SCALARS)}`);
  }
  return kind < 0.8 ? `[${items.join(', ')}]` : `{${items.join(', ')}}`;
}

function randomString(): string {
  let out = '';
  const n = Math.floor(rand() * 8);
  for (let i = 0; i < n; i++) out += pick(CHARS);
  return out;
}

const python = findPython();
if ('error' in python) {
  console.error(python.error);
  process.exit(1);
}
const cases: Case[] = [];
for (let i = 0; i < count; i++) {
  if (data) {
    cases.push({
      file: 'fuzz',
      name: `#${i}`,
      template: `{{ xs | ${pick(DATA_OPS)} }}`,
      values: `xs: ${randomData()}`,
    });
    continue;
  }
  if (formats) {
    const v = pick(FORMAT_VALUES);
    const template =
      rand() < 0.5 ? `{{ "[{:${formatSpec()}}]".format(${v}) }}` : `{{ "[${printfSpec()}]" % ${v} }}`;
    cases.push({ file: 'fuzz', name: `#${i}`, template, values: VALUES });
    continue;
  }
  if (strings) {
    const op = rand() < 0.5 ? ` | ${pick(STRING_OPS)}` : `.${pick(STRING_METHODS)}`;
    cases.push({
      file: 'fuzz',
      name: `#${i}`,
      template: `{{ s${op} }}`,
      values: `s: ${JSON.stringify(randomString())}`,
    });
    continue;
  }
  const template = whitespace
    ? block(depth)
    : scoping
      ? `{% set ns = namespace(n=0) %}${scope(depth)}[{{ ns.n }}]`
      : autoescape
        ? `{% autoescape true %}{{ ${expr(depth)} }}{% endautoescape %}`
        : `{{ ${expr(depth)} }}`;
  cases.push({ file: 'fuzz', name: `#${i}`, template, values: VALUES });
}
const oracle = runOracle(python.python, cases);
const diffs: { c: Case; detail: string }[] = [];
cases.forEach((c, i) => {
  const v = compare(c, oracle[i] as Rendering, renderWithEngine(c));
  if (!v.pass) diffs.push({ c, detail: v.detail });
});
diffs.sort((a, b) => a.c.template.length - b.c.template.length);
for (const { c, detail } of diffs.slice(0, 60)) {
  console.log(`${JSON.stringify(c.template)} ${strings || data ? c.values : ''} ${detail}\n`);
}
const raised = oracle.filter((r) => !('output' in r)).length;
const sample = cases.find((c, i) => 'output' in (oracle[i] as Rendering) && c.template.length > 60);
if (sample) console.log(`a sample: ${JSON.stringify(sample.template)}`);
console.log(
  `${diffs.length} of ${count} random templates differ (seed ${seedText}; Jinja2 raised for ${raised})`,
);
