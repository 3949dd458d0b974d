// Expectations rendered by Python's Jinja2 3.1.6 with the engine's configuration
// (trim_blocks, lstrip_blocks, StrictUndefined, keep_trailing_newline).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Environment } from '../../../../packages/jinja/src/index.ts';

type Expected = string | { error: string; message: string };

const CONTEXTS: Record<string, unknown>[] = [{}, { x: '<x>' }];

const CASES: [source: string, context: number, expected: Expected][] = [
  [
    "{{ '<' ~ ('x>'|e) }} {{ ('<'|e) + '>' }} {{ ('a'|e) ~ 1 }} {{ ('%s<'|e) % '>' }} {{ ('<a>'|e).upper() }} {{ ('<a>'|e)|length }} {{ ('a'|e) * 2 }} {{ '<'|e == '&lt;' }} {{ ('<'|safe) ~ '>' }}",
    0,
    '<x&gt; &lt;&gt; a1 &gt;&lt; &LT;A&GT; 9 aa True <>',
  ],
  ["{{ typo|default('x') }} {{ typo|d }}|{{ typo is defined }}", 0, 'x |False'],
  ['{{ typo|upper }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|length }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|list }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|join }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|first }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|int }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|float }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|string }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|e }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  [
    '{{ typo|tojson }}',
    0,
    { error: 'TypeError', message: 'Object of type StrictUndefined is not JSON serializable' },
  ],
  ['{{ typo|items|list }}', 0, '[]'],
  ["{{ typo|map('upper')|list }}", 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|select|list }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|sort }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|abs }}', 0, { error: 'TypeError', message: "bad operand type for abs(): 'StrictUndefined'" }],
  [
    '{{ typo|round }}',
    0,
    { error: 'TypeError', message: "type StrictUndefined doesn't define __round__ method" },
  ],
  ["{{ typo|replace('a','b') }}", 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|trim }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|pprint }}', 0, 'Undefined'],
  ['{{ typo|reverse }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|batch(2)|list }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|wordcount }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|dictsort }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|unique|list }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|sum }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|min }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|title }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|center }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|indent }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|truncate }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|xmlattr }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|urlencode }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|safe }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|count }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ["{{ typo|attr('x') }}", 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|format }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ["{{ typo|groupby('a') }}", 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|filesizeformat }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|random }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|last }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|slice(2)|list }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|striptags }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|forceescape }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|capitalize }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|lower }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|wordwrap }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo|urlize }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ["{{ 'x'|default(typo) }}", 0, 'x'],
  ['{{ [1]|join(typo) }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ["{{ 'a'|replace(typo, 'b') }}", 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ 1 is odd }}{{ typo is odd }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  [
    '{{ typo is none }} {{ typo is string }} {{ typo is number }} {{ typo is mapping }} {{ typo is sequence }} {{ typo is escaped }} {{ typo is callable }} {{ typo is boolean }} {{ typo is sameas none }}',
    0,
    'False False False False False False True False False',
  ],
  ['{{ typo is iterable }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo is lower }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo is in [1] }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo is in [] }}', 0, 'False'],
  ['{{ 1 is in typo }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo is eq 1 }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo is divisibleby 2 }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo is filter }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo in [] }}', 0, 'False'],
  ['{{ typo in [1] }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ["{{ 'a' in typo }}", 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo == 1 }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ["{{ typo ~ 'x' }}", 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo + 1 }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ -typo }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ not typo }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ["{{ '%s' % typo }}", 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ["{{ '{}'.format(typo) }}", 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ [typo] }}', 0, '[Undefined]'],
  ['{{ typo.x }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ["{{ typo['x'] }}", 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ['{{ typo() }}', 0, { error: 'UndefinedError', message: "'typo' is undefined" }],
  ["{% set g = [1,2]|map('string') %}{{ g|list }}{{ g|list }}", 0, "['1', '2'][]"],
  ['{% set g = [1,2]|select %}{{ g|join }}|{{ g|join }}', 0, '12|'],
  [
    "{{ [1,2]|map('string')|length }}",
    0,
    { error: 'TypeError', message: "object of type 'generator' has no len()" },
  ],
  ["{{ [1,2]|select|first }} {{ [1,2]|reject('odd')|last if false else 0 }}", 0, '1 0'],
  ['{{ [1,2]|select|last }}', 0, { error: 'TypeError', message: "'generator' object is not reversible" }],
  ["{{ ([3,1]|map('int')|sort)[0] }}", 0, '1'],
  ["{{ ([1]|map('int'))[0] }}", 0, { error: 'UndefinedError', message: 'generator object has no element 0' }],
  ["{% for x in [1,2,3]|select('odd') %}{{ loop.index }}{{ x }}{% endfor %}", 0, '1123'],
  ["{% for x in [1,2,3]|select('odd') %}{{ loop.length }}{% endfor %}", 0, '22'],
  ["{% for k, v in {'a': 1}.items() %}{{ k }}{{ v }}{% endfor %}", 0, 'a1'],
  ["{% for a, b in [(1, 2), [3, 4], 'xy'] %}{{ a }}{{ b }}{% endfor %}", 0, '1234xy'],
  [
    '{% for a, b in [(1, 2, 3)] %}{% endfor %}',
    0,
    { error: 'ValueError', message: 'too many values to unpack (expected 2)' },
  ],
  [
    "{{ {'a': 1, 2: 'b'}|dictsort }}",
    0,
    { error: 'TypeError', message: "'<' not supported between instances of 'int' and 'str'" },
  ],
  [
    "{{ [{'a': 1}, {'a': 'x'}]|sort(attribute='a') }}",
    0,
    { error: 'TypeError', message: "'<' not supported between instances of 'str' and 'int'" },
  ],
  ["{{ [[1], [1, 2], []]|sort }} {{ [(1, 'a'), (0, 'b')]|max }}", 0, "[[], [1], [1, 2]] (1, 'a')"],
  ['{{ [none, none]|sort }}', 0, '[None, None]'],
  [
    '{{ [none, 1]|sort }}',
    0,
    { error: 'TypeError', message: "'<' not supported between instances of 'int' and 'NoneType'" },
  ],
  ["{{ [1]|sort(attribute='x') }}", 0, '[1]'],
  [
    "{{ [{'x': 1}, {}]|sort(attribute='x') }}",
    0,
    { error: 'UndefinedError', message: "'dict object' has no attribute 'x'" },
  ],
  [
    '{{ 0.1 * 3 }} {{ 1e16 + 1 }} {{ 2 ** 53 + 1 }} {{ (2 ** 53 + 1) * 1.0 }} {{ 10 ** 30 / 10 ** 10 }} {{ 7 / 7 }} {{ 1e308 * 10 }} {{ -1e308 * 10 }}',
    0,
    '0.30000000000000004 1e+16 9007199254740993 9007199254740992.0 1e+20 1.0 inf -inf',
  ],
  [
    '{{ 10 ** 400 / 3 }}',
    0,
    { error: 'OverflowError', message: 'integer division result too large for a float' },
  ],
  ['{{ 1e308 ** 2 }}', 0, { error: 'OverflowError', message: "(34, 'Numerical result out of range')" }],
  ['{{ 2 ** 0.5 ** 2 }} {{ -2 ** 2 }} {{ (-2) ** 2 }} {{ 2 ** -1 ** 2 }}', 0, '2.0000000000000004 4 4 0.25'],
  ['{{ 1 // 0.0 }}', 0, { error: 'ZeroDivisionError', message: 'float floor division by zero' }],
  ['{{ 0.0 % 0 }}', 0, { error: 'ZeroDivisionError', message: 'float modulo' }],
  ['{{ 5 % 0.0 }}', 0, { error: 'ZeroDivisionError', message: 'float modulo' }],
  [
    '{{ -5 // 3.0 }} {{ 5.0 // -3 }} {{ -0.0 % 5 }} {{ 3 % -0.5 }} {{ 1e300 // 1e-10 }}',
    0,
    '-2.0 -2.0 0.0 -0.0 inf',
  ],
  [
    "{% autoescape true %}{{ ['<a>', '<b>'|safe]|join(', ') }}|{{ ['<a>']|join('<br>') }}|{{ '<x>'|replace('x', '<y>') }}|{{ '<x>'|safe|replace('x', '<y>') }}|{{ {'a': '<'}|xmlattr }}|{{ '<a>'|tojson }}|{{ '<a> http://x.com'|urlize }}|{{ '<a>'|indent }}|{{ '<a>'|upper }}|{{ '<a>'|title }}|{{ '<a>'|truncate(2) }}|{{ '<a>'|center(7) }}|{{ '<a>'|format }}|{{ '%s<'|format('>') }}|{{ '<a>'|wordwrap(2) }}|{{ ('<a>'|safe)|wordwrap(2) }}{% endautoescape %}",
    1,
    { error: 'AssertionError', message: 'expected length >= 3, got 2' },
  ],
  [
    "{% autoescape true %}{{ lipsum(1, true, 2, 3)|length > 0 }}{{ range(3)|join('<') }}{{ [1, '<']|join }}{% endautoescape %}",
    1,
    'True0&lt;1&lt;21&lt;',
  ],
];

const env = new Environment();
for (const [source, context, expected] of CASES) {
  test(`StrictUndefined, generators and numeric edge cases render as Jinja2: ${source}`, () => {
    const render = (): string => env.renderString(source, CONTEXTS[context] ?? {});
    if (typeof expected === 'string') {
      assert.equal(render(), expected);
    } else {
      assert.throws(render, (e: Error & { pyType?: string }) => {
        assert.equal(e.pyType ?? e.name, expected.error);
        assert.equal(e.message, expected.message);
        return true;
      });
    }
  });
}
