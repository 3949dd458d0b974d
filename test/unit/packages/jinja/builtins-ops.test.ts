// Expectations rendered by Python's Jinja2 3.1.6 with the engine's configuration
// (trim_blocks, lstrip_blocks, StrictUndefined, keep_trailing_newline).
import { Environment } from '../../../../packages/jinja/src/index.ts';
import { testEachRecorded, type RecordedCase } from './recorded-cases.ts';

const CONTEXTS: Record<string, unknown>[] = [
  { x: { items: 'I', get: 'G', foo: 'F' }, git_sha: '0123456789abcdef', d: {}, l: [1, 2], n: null },
];

const CASES: RecordedCase[] = [
  [
    "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % -3 }} {{ -7.5 % 2 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2 ** 0.5 }} {{ 10 ** 20 }} {{ 1e16 }} {{ 1e-5 }} {{ 0.1 + 0.2 }} {{ 1/3 }} {{ -0.0 }} {{ 3 * 'ab' }} {{ [1] * 3 }} {{ (1,) * 2 }} {{ [1] + [2] }} {{ (1,) + (2,) }} {{ 'a' ~ 1 ~ none ~ true }} {{ 1 + true }} {{ 2.0 * 3 }}",
    0,
    '3 -4 -2 0.5 3.5 2.0 1024 0.5 1.4142135623730951 100000000000000000000 1e+16 1e-05 0.30000000000000004 0.3333333333333333 -0.0 ababab [1, 1, 1] (1, 1) [1, 2] (1, 2) a1NoneTrue 2 6.0',
  ],
  ['{{ 1/0 }}', 0, { error: 'ZeroDivisionError', message: 'division by zero' }],
  ['{{ 1//0 }}', 0, { error: 'ZeroDivisionError', message: 'integer division or modulo by zero' }],
  ['{{ 1%0 }}', 0, { error: 'ZeroDivisionError', message: 'integer modulo by zero' }],
  ['{{ 1.0/0 }}', 0, { error: 'ZeroDivisionError', message: 'float division by zero' }],
  ["{{ 'a' + 1 }}", 0, { error: 'TypeError', message: 'can only concatenate str (not "int") to str' }],
  ["{{ 1 + 'a' }}", 0, { error: 'TypeError', message: "unsupported operand type(s) for +: 'int' and 'str'" }],
  ['{{ [1] + (1,) }}', 0, { error: 'TypeError', message: 'can only concatenate list (not "tuple") to list' }],
  ["{{ 'a' * 'b' }}", 0, { error: 'TypeError', message: "can't multiply sequence by non-int of type 'str'" }],
  ["{{ -'a' }}", 0, { error: 'TypeError', message: "bad operand type for unary -: 'str'" }],
  [
    "{{ 'a' < 1 }}",
    0,
    { error: 'TypeError', message: "'<' not supported between instances of 'str' and 'int'" },
  ],
  [
    '{{ none < none }}',
    0,
    { error: 'TypeError', message: "'<' not supported between instances of 'NoneType' and 'NoneType'" },
  ],
  ['{{ 1 in 3 }}', 0, { error: 'TypeError', message: "argument of type 'int' is not iterable" }],
  [
    "{{ 1 in 'a' }}",
    0,
    { error: 'TypeError', message: "'in <string>' requires string as left operand, not int" },
  ],
  ['{{ [] in {} }}', 0, { error: 'TypeError', message: "unhashable type: 'list'" }],
  ['{{ 0 ** -1 }}', 0, { error: 'ZeroDivisionError', message: '0.0 cannot be raised to a negative power' }],
  [
    "{{ 'a' - 'b' }}",
    0,
    { error: 'TypeError', message: "unsupported operand type(s) for -: 'str' and 'str'" },
  ],
  [
    '{{ {} + {} }}',
    0,
    { error: 'TypeError', message: "unsupported operand type(s) for +: 'dict' and 'dict'" },
  ],
  [
    "{{ '%s-%s' % ('a', 1) }} {{ '%d' % 3.7 }} {{ '%5.2f|%-5s|%05d|%x|%X|%o|%e|%g|%r|%%|%c' % (3.14159, 'ab', 42, 255, 255, 8, 12345.678, 0.0001, 'x', 65) }} {{ '%(a)s %(b)03d' % {'a': 'x', 'b': 7} }} {{ '%s' % [1, 2] }} {{ '%s' % none }} {{ '%.3s' % 'abcdef' }} {{ '%+d % d' % (5, 5) }} {{ '%#x %#o' % (255, 8) }}",
    0,
    "a-1 3  3.14|ab   |00042|ff|FF|10|1.234568e+04|0.0001|'x'|%|A x 007 [1, 2] None abc +5  5 0xff 0o10",
  ],
  ["{{ '%s %s' % (1,) }}", 0, { error: 'TypeError', message: 'not enough arguments for format string' }],
  ["{{ '%d' % 'x' }}", 0, { error: 'TypeError', message: '%d format: a real number is required, not str' }],
  [
    "{{ 'abc' % 5 }}",
    0,
    { error: 'TypeError', message: 'not all arguments converted during string formatting' },
  ],
  [
    "{{ '%z' % 1 }}",
    0,
    { error: 'ValueError', message: "unsupported format character 'z' (0x7a) at index 1" },
  ],
  [
    "{{ '{}-{}'.format('a', 1) }} {{ '{0}{1}{0}'.format('x', 'y') }} {{ '{a}/{b}'.format(a=1, b=2) }} {{ '{:>8}|{:<6}|{:^7}|{:08.3f}|{:,}|{:x}|{:#b}|{:e}|{:%}|{:+d}'.format('r', 'l', 'c', 3.14159, 1234567, 255, 5, 12345.678, 0.25, 3) }} {{ '{0[0]}{0[1]}'.format('ab') }} {{ '{x[k]}'.format(x={'k': 'v'}) }} {{ '{!r}'.format('q') }} {{ '{:.2}'.format(1.0) }} {{ '{:10}'.format(2.5) }} {{ '{}'.format(2.0) }} {{ '{:{w}}'.format('a', w=4) }}|",
    0,
    "a-1 xyx 1/2        r|l     |   c   |0003.142|1,234,567|ff|0b101|1.234568e+04|25.000000%|+3 ab v 'q' 1.0        2.5 2.0 a   |",
  ],
  [
    "{{ '{} {}'.format(1) }}",
    0,
    { error: 'IndexError', message: 'Replacement index 1 out of range for positional args tuple' },
  ],
  [
    "{{ '{0} {}'.format(1, 2) }}",
    0,
    {
      error: 'ValueError',
      message: 'cannot switch from manual field specification to automatic field numbering',
    },
  ],
  ["{{ '{'.format() }}", 0, { error: 'ValueError', message: "Single '{' encountered in format string" }],
  [
    "{{ '{:d}'.format(1.5) }}",
    0,
    { error: 'ValueError', message: "Unknown format code 'd' for object of type 'float'" },
  ],
  ["{{ '{a}'.format(b=1) }}", 0, { error: 'KeyError', message: "'a'" }],
  [
    "{{ 'Hello'.upper() }} {{ 'Hello'.lower() }} {{ 'hello world'.title() }} {{ 'hello'.capitalize() }} {{ 'HeLLo'.swapcase() }} {{ '  x '.strip() }}| {{ 'xxaxx'.strip('x') }} {{ '  x '.lstrip() }}| {{ '  x '.rstrip() }}| {{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a b c'.rsplit(' ', 1) }} {{ 'a\nb\r\nc'.splitlines() }} {{ 'abc'.startswith('a') }} {{ 'abc'.endswith(('x', 'c')) }} {{ 'abcabc'.replace('b', 'X') }} {{ 'abcabc'.replace('b', 'X', 1) }} {{ 'abcabc'.find('c') }} {{ 'abcabc'.rfind('c') }} {{ 'abc'.find('z') }} {{ 'abcabc'.index('c') }} {{ 'aaa'.count('a') }} {{ '-'.join(['a', 'b']) }} {{ '42'.zfill(5) }} {{ 'ab'.center(6, '*') }} {{ 'ab'.ljust(4, '.') }} {{ 'ab'.rjust(4) }}",
    0,
    "HELLO hello Hello World Hello hEllO x| a x |   x| ['a', 'b', '', 'c'] ['a', 'b'] ['a', 'b c'] ['a b', 'c'] ['a', 'b', 'c'] True True aXcaXc aXcabc 2 5 -1 2 3 a-b 00042 **ab** ab..   ab",
  ],
  [
    "{{ '123'.isdigit() }} {{ 'abc'.isalpha() }} {{ 'a1'.isalnum() }} {{ ' '.isspace() }} {{ 'abc'.islower() }} {{ 'ABC'.isupper() }} {{ '12'.isdecimal() }} {{ '12'.isnumeric() }} {{ 'Ab Cd'.istitle() }} {{ 'a=b=c'.partition('=') }} {{ 'a=b=c'.rpartition('=') }} {{ 'prefix-x'.removeprefix('prefix-') }} {{ 'x.txt'.removesuffix('.txt') }} {{ 'ß'.casefold() }} {{ 'a\tb'.expandtabs(4) }}",
    0,
    "True True True True True True True True True ('a', '=', 'b=c') ('a=b', '=', 'c') x x ss a   b",
  ],
  [
    '{{ [1, 2, 1].index(2) }} {{ [1, 2, 1].count(1) }} {% set l = [3, 1] %}{{ l.append(2) }}{{ l }} {{ l.pop() }} {{ l }} {% set _ = l.sort() %}{{ l }} {% set _ = l.extend([5, 4]) %}{{ l }} {% set _ = l.insert(0, 9) %}{{ l }} {% set _ = l.remove(9) %}{{ l }} {% set _ = l.reverse() %}{{ l }} {{ l.copy() }} {% set _ = l.sort(reverse=true) %}{{ l }}',
    0,
    '1 2 None[3, 1, 2] 2 [3, 1] [1, 3] [1, 3, 5, 4] [9, 1, 3, 5, 4] [1, 3, 5, 4] [4, 5, 3, 1] [4, 5, 3, 1] [5, 4, 3, 1]',
  ],
  [
    "{% set d = {'a': 1, 'b': 2} %}{{ d.items() }} {{ d.keys() }} {{ d.values() }} {{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 0) }} {{ d.items()|list }} {% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %} {{ d.setdefault('c', 3) }} {{ d }} {{ d.pop('a') }} {{ d }} {% set _ = d.update({'x': 1}, y=2) %}{{ d }} {{ d.popitem() }} {{ d.copy() }} {{ d.keys()|length }} {{ 'b' in d.keys() }}",
    0,
    "dict_items([('a', 1), ('b', 2)]) dict_keys(['a', 'b']) dict_values([1, 2]) 1 None 0 [('a', 1), ('b', 2)] a=1;b=2; 3 {'a': 1, 'b': 2, 'c': 3} 1 {'b': 2, 'c': 3} {'b': 2, 'c': 3, 'x': 1, 'y': 2} ('y', 2) {'b': 2, 'c': 3, 'x': 1} 3 True",
  ],
  [
    '{{ (1, 2, 1).count(1) }} {{ (1, 2).index(2) }} {{ 1.5.is_integer() }} {{ (255).bit_length() }}',
    0,
    '2 1 False 8',
  ],
  ['{{ [1].index(2) }}', 0, { error: 'ValueError', message: '2 is not in list' }],
  ['{{ [].pop() }}', 0, { error: 'IndexError', message: 'pop from empty list' }],
  ["{{ {}.pop('a') }}", 0, { error: 'KeyError', message: "'a'" }],
  ['{{ {}.popitem() }}', 0, { error: 'KeyError', message: "'popitem(): dictionary is empty'" }],
  [
    "{{ ', '.join([1]) }}",
    0,
    { error: 'TypeError', message: 'sequence item 0: expected str instance, int found' },
  ],
  ["{{ 'a'.split('') }}", 0, { error: 'ValueError', message: 'empty separator' }],
  ["{{ 'a'.upper(1) }}", 0, { error: 'TypeError', message: 'str.upper() takes no arguments (1 given)' }],
  [
    "{{ 'a'.split(x=1) }}",
    0,
    { error: 'TypeError', message: "'x' is an invalid keyword argument for split()" },
  ],
  [
    "{{ 'a b'.split(' ', 1, 2) }}",
    0,
    { error: 'TypeError', message: 'split() takes at most 2 arguments (3 given)' },
  ],
  [
    "{{ 'abc'.startswith() }}",
    0,
    { error: 'TypeError', message: 'startswith() takes at least 1 argument (0 given)' },
  ],
  ['{{ {}.get() }}', 0, { error: 'TypeError', message: 'get expected at least 1 argument, got 0' }],
  [
    "{{ 'x'.replace('a') }}",
    0,
    { error: 'TypeError', message: 'replace expected at least 2 arguments, got 1' },
  ],
  ["{{ 'a'.index('b') }}", 0, { error: 'ValueError', message: 'substring not found' }],
  [
    "{{ 'x'.ljust(3, 'ab') }}",
    0,
    { error: 'TypeError', message: 'The fill character must be exactly one character long' },
  ],
  [
    "{{ 'a'.startswith(1) }}",
    0,
    { error: 'TypeError', message: 'startswith first arg must be str or a tuple of str, not int' },
  ],
  [
    "{{ [1, 'a', none, true, 2.5, (1,), (), {'k': [1]}] }} {{ \"it's\" }} {{ [\"it's\", 'x\"y', 'a\\\\b', 'tab\\t'] }} {{ {1: 'a', 1.0: 'b', true: 'c'} }} {{ {'a': 1}['a'] }}",
    0,
    "[1, 'a', None, True, 2.5, (1,), (), {'k': [1]}] it's [\"it's\", 'x\"y', 'a\\\\b', 'tab\\t'] {1: 'c'} 1",
  ],
  [
    "{{ git_sha[:7] }} {{ git_sha[-3:] }} {{ git_sha[::2] }} {{ [1,2,3][::-1] }} {{ (1,2,3)[1:] }} {{ 'abc'[1] }} {{ 'abc'[-1] }} {{ [1,2][5] is defined }} {{ {}.x is defined }}",
    0,
    '0123456 def 02468ace [3, 2, 1] (2, 3) b c False False',
  ],
  ['{{ d.foo }}', 0, { error: 'UndefinedError', message: "'dict object' has no attribute 'foo'" }],
  ['{{ d[1] }}', 0, { error: 'UndefinedError', message: 'dict object has no element 1' }],
  ['{{ l[5] }}', 0, { error: 'UndefinedError', message: 'list object has no element 5' }],
  ['{{ n.foo }}', 0, { error: 'UndefinedError', message: "'None' has no attribute 'foo'" }],
  ['{{ n[0] }}', 0, { error: 'UndefinedError', message: 'None has no element 0' }],
  ['{{ 3[0] }}', 0, { error: 'UndefinedError', message: 'int object has no element 0' }],
  ["{{ 'ab'[10] }}", 0, { error: 'UndefinedError', message: 'str object has no element 10' }],
  ["{{ l['foo'] }}", 0, { error: 'UndefinedError', message: "'list object' has no attribute 'foo'" }],
  ['{{ (1,2)[5] }}', 0, { error: 'UndefinedError', message: 'tuple object has no element 5' }],
  ['{{ l[1.0] }}', 0, { error: 'UndefinedError', message: 'list object has no element 1.0' }],
  [
    "{% if [] %}T{% else %}F{% endif %} {% if {} %}T{% else %}F{% endif %} {% if '' %}T{% else %}F{% endif %} {% if 0.0 %}T{% else %}F{% endif %} {% if [0] %}T{% else %}F{% endif %} {% if range(0) %}T{% else %}F{% endif %} {% if [1]|select('odd') %}T{% endif %} {% if []|map('upper') %}G{% endif %}",
    0,
    'F F F F T F T G',
  ],
  [
    "{{ 1 == 1.0 }} {{ 1 == true }} {{ 'a' == 'a' }} {{ [1] == [1.0] }} {{ (1,) == [1] }} {{ {'a': 1} == {'a': 1.0} }} {{ 1 < 1.5 }} {{ [1, 2] < [1, 3] }} {{ (1, 'a') < (1, 'b') }} {{ 'B' < 'a' }} {{ none == none }} {{ 1 != 2 }} {{ 1 < 2 < 3 }} {{ 10**20 > 1e19 }}",
    0,
    'True True True True False True True True True True True True True True',
  ],
  [
    "{{ 'x' in ['x'] }} {{ 'a' in 'cat' }} {{ 'k' in {'k': 1} }} {{ 1.0 in {1: 'a'} }} {{ 2 not in [1] }} {{ 5 in range(0, 10, 5) }} {{ 4 in range(0, 10, 5) }}",
    0,
    'True True True True True True False',
  ],
];

const env = new Environment();
testEachRecorded('operator/method renders as Jinja2', env, CASES, CONTEXTS);
