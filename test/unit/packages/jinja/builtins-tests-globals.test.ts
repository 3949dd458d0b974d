// Expectations rendered by Python's Jinja2 3.1.6 with the engine's configuration
// (trim_blocks, lstrip_blocks, StrictUndefined, keep_trailing_newline).
import { Environment } from '../../../../packages/jinja/src/index.ts';
import { testEachRecorded, type RecordedCase } from './recorded-cases.ts';

const CONTEXTS: Record<string, unknown>[] = [{}];

const CASES: RecordedCase[] = [
  [
    "{{ 1 is odd }} {{ 2 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ x is defined }} {{ x is undefined }} {{ none is none }} {{ true is boolean }} {{ 1 is boolean }} {{ false is false }} {{ 1 is true }} {{ 1 is integer }} {{ true is integer }} {{ 1.0 is float }} {{ true is number }} {{ 1.5 is number }} {{ 'a' is number }}",
    0,
    'True True True False False True True True False True False True False True True True False',
  ],
  [
    "{{ 'abc' is lower }} {{ 'Abc' is upper }} {{ 'ABC' is upper }} {{ 'a' is string }} {{ {} is mapping }} {{ [] is mapping }} {{ [] is sequence }} {{ 'a' is sequence }} {{ {} is sequence }} {{ 1 is sequence }} {{ 1 is iterable }} {{ 'a' is iterable }} {{ {} is iterable }} {{ range(2) is iterable }}",
    0,
    'True False True True True False True True True False False True True True',
  ],
  [
    "{{ none is sameas none }} {{ true is sameas true }} {{ 'a'|e is escaped }} {{ 'a' is escaped }} {{ 2 is in [1,2] }} {{ 'a' is in 'abc' }} {{ 'upper' is filter }} {{ 'nope' is filter }} {{ 'odd' is test }} {{ 1 is == 1 }} {{ 1 is eq 1 }} {{ 1 is equalto 2 }} {{ 1 is != 2 }} {{ 1 is ne 1 }} {{ 1 is < 2 }} {{ 1 is lt 2 }} {{ 1 is lessthan 2 }} {{ 2 is <= 2 }} {{ 2 is le 1 }} {{ 3 is > 2 }} {{ 3 is gt 2 }} {{ 3 is greaterthan 4 }} {{ 3 is >= 3 }} {{ 3 is ge 4 }}",
    0,
    { error: 'TemplateSyntaxError', message: "expected token 'name', got '=='" },
  ],
  [
    '{{ range is callable }} {{ 1 is callable }} {{ joiner() is callable }} {{ cycler(1) is callable }} {{ lipsum is callable }}',
    0,
    'True False True False True',
  ],
  [
    '{{ range(5)|list }} {{ range(2, 10, 3)|list }} {{ range(10, 0, -3)|list }} {{ range(5) }} {{ range(1,5,2) }} {{ range(10)[2:5] }} {{ range(10)|length }} {{ 3 in range(5) }} {{ range(10**20)|length }}',
    0,
    { error: 'OverflowError', message: 'Python int too large to convert to C ssize_t' },
  ],
  [
    "{{ dict(a=1, b='x') }} {{ dict([('a', 1)]) }} {{ dict({'a': 1}, b=2) }} {{ dict() }}",
    0,
    "{'a': 1, 'b': 'x'} {'a': 1} {'a': 1, 'b': 2} {}",
  ],
  [
    "{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }}{% set _ = c.reset() %}{{ c.current }}",
    0,
    'ababa',
  ],
  ["{% set j = joiner(' | ') %}{% for x in [1,2,3] %}{{ j() }}{{ x }}{% endfor %}", 0, '1 | 2 | 3'],
  ['{% set j = joiner() %}{{ j() }}{{ j() }}{{ j() }}', 0, ', , '],
  [
    '{% set ns = namespace(a=1, b=[]) %}{% set ns.a = ns.a + 1 %}{{ ns.a }} {{ ns.b }} {{ ns }}',
    0,
    "2 [] <Namespace {'a': 2, 'b': []}>",
  ],
  ["{% set ns = namespace({'x': 1}) %}{{ ns.x }}", 0, '1'],
  ["{{ lipsum(1, false, 5, 6).count(' ') >= 3 }} {{ lipsum(2).count('<p>') }}", 0, 'True 2'],
  [
    '{{ range(1.5) }}',
    0,
    { error: 'TypeError', message: "'float' object cannot be interpreted as an integer" },
  ],
  ['{{ range(1,2,3,4) }}', 0, { error: 'TypeError', message: 'range expected at most 3 arguments, got 4' }],
  ['{{ range() }}', 0, { error: 'TypeError', message: 'range expected at least 1 argument, got 0' }],
  ['{{ range(0,1,0) }}', 0, { error: 'ValueError', message: 'range() arg 3 must not be zero' }],
  ['{{ cycler() }}', 0, { error: 'RuntimeError', message: 'at least one item has to be provided' }],
  [
    '{{ joiner(1, 2) }}',
    0,
    {
      error: 'TypeError',
      message: 'Joiner.__init__() takes from 1 to 2 positional arguments but 3 were given',
    },
  ],
  ['{{ dict(1) }}', 0, { error: 'TypeError', message: "'int' object is not iterable" }],
  ['{{ namespace(1) }}', 0, { error: 'TypeError', message: "'int' object is not iterable" }],
  [
    '{{ lipsum(foo=1) }}',
    0,
    { error: 'TypeError', message: "generate_lorem_ipsum() got an unexpected keyword argument 'foo'" },
  ],
  [
    "{{ 'a'|upper(1) }}",
    0,
    { error: 'TypeError', message: 'do_upper() takes 1 positional argument but 2 were given' },
  ],
  [
    "{{ 'a'|upper(x=1) }}",
    0,
    { error: 'TypeError', message: "do_upper() got an unexpected keyword argument 'x'" },
  ],
  [
    "{{ [1]|join(',', 'a', 3) }}",
    0,
    { error: 'TypeError', message: 'sync_do_join() takes from 2 to 4 positional arguments but 5 were given' },
  ],
  [
    '{{ [1]|join(foo=1) }}',
    0,
    { error: 'TypeError', message: "sync_do_join() got an unexpected keyword argument 'foo'" },
  ],
  [
    "{{ 'a'|truncate(1,2,3,4,5) }}",
    0,
    { error: 'TypeError', message: 'do_truncate() takes from 2 to 6 positional arguments but 7 were given' },
  ],
  [
    "{{ 'a'|replace('a') }}",
    0,
    { error: 'TypeError', message: "do_replace() missing 1 required positional argument: 'new'" },
  ],
  [
    "{{ 'a'|replace('a','b',old='c') }}",
    0,
    { error: 'TypeError', message: "do_replace() got multiple values for argument 'old'" },
  ],
  [
    '{{ 1 is divisibleby }}',
    0,
    { error: 'TypeError', message: "test_divisibleby() missing 1 required positional argument: 'num'" },
  ],
  [
    '{{ 1 is divisibleby(3, 4) }}',
    0,
    { error: 'TypeError', message: 'test_divisibleby() takes 2 positional arguments but 3 were given' },
  ],
  [
    '{{ 1 is odd(3) }}',
    0,
    { error: 'TypeError', message: 'test_odd() takes 1 positional argument but 2 were given' },
  ],
  ['{{ [1]|length(2) }}', 0, { error: 'TypeError', message: 'len() takes exactly one argument (2 given)' }],
  ['{{ 1 is eq(x=2) }}', 0, { error: 'TypeError', message: '_operator.eq() takes no keyword arguments' }],
  [
    '{{ 1 is callable(2) }}',
    0,
    { error: 'TypeError', message: 'callable() takes exactly one argument (2 given)' },
  ],
  ['{{ -1|abs(2) }}', 0, { error: 'TypeError', message: 'abs() takes exactly one argument (2 given)' }],
  ['{{ [1]|map|list }}', 0, { error: 'FilterArgumentError', message: 'map requires a filter argument' }],
  [
    '{{ [1]|selectattr|list }}',
    0,
    { error: 'FilterArgumentError', message: 'Missing parameter for attribute name' },
  ],
  ["{{ [1]|map('nope')|list }}", 0, { error: 'TemplateRuntimeError', message: "No filter named 'nope'." }],
  ["{{ [1]|select('nope')|list }}", 0, { error: 'TemplateRuntimeError', message: "No test named 'nope'." }],
  [
    "{{ {}|dictsort(by='x') }}",
    0,
    { error: 'FilterArgumentError', message: 'You can only sort by either "key" or "value"' },
  ],
  [
    "{{ 1|round(method='x') }}",
    0,
    { error: 'FilterArgumentError', message: 'method must be common, ceil or floor' },
  ],
  ["{{ 'x'|round }}", 0, { error: 'TypeError', message: "type str doesn't define __round__ method" }],
  ["{{ 'ab'|truncate(1) }}", 0, { error: 'AssertionError', message: 'expected length >= 3, got 1' }],
  [
    "{{ [1,'a']|sort }}",
    0,
    { error: 'TypeError', message: "'<' not supported between instances of 'str' and 'int'" },
  ],
  ['{{ [[1]]|unique|list }}', 0, { error: 'TypeError', message: "unhashable type: 'list'" }],
  ['{{ 5|items|list }}', 0, { error: 'TypeError', message: 'Can only get item pairs from a mapping.' }],
  ['{{ 1|first }}', 0, { error: 'TypeError', message: "'int' object is not iterable" }],
  ['{{ x|upper }}', 0, { error: 'UndefinedError', message: "'x' is undefined" }],
  ['{{ x|length }}', 0, { error: 'UndefinedError', message: "'x' is undefined" }],
  ['{{ [x]|join }}', 0, { error: 'UndefinedError', message: "'x' is undefined" }],
  ['{{ 1|last }}', 0, { error: 'TypeError', message: "'int' object is not reversible" }],
  ["{{ 1|tojson(indent='\\t') }}", 0, '1'],
  [
    "{{ {'a': x}|tojson }}",
    0,
    { error: 'TypeError', message: 'Object of type StrictUndefined is not JSON serializable' },
  ],
  [
    '{{ {(1,2): 1}|tojson }}',
    0,
    { error: 'TypeError', message: 'keys must be str, int, float, bool or None, not tuple' },
  ],
  [
    "{{ {'a': 1, 2: 3}|tojson }}",
    0,
    { error: 'TypeError', message: "'<' not supported between instances of 'int' and 'str'" },
  ],
];

const env = new Environment();
testEachRecorded('test/global renders as Jinja2', env, CASES, CONTEXTS);
