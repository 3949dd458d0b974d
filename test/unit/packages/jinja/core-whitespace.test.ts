import { test } from 'node:test';
import { check } from './core-helpers.ts';
import type { CoreCase } from './core-helpers.ts';

// Whitespace control with trim_blocks and lstrip_blocks
// Every expectation below was produced by Python Jinja2 3.1.6 with
// Environment(trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined, keep_trailing_newline=True).
const CASES: CoreCase[] = [
  {
    name: 'trim_blocks removes the newline after a block tag',
    src: 'a\n{% if true %}\nb\n{% endif %}\nc\n',
    output: 'a\nb\nc\n',
  },
  {
    name: 'lstrip_blocks strips indentation before block tags',
    src: 'a\n  {% if true %}\n  b\n  {% endif %}\nc',
    output: 'a\n  b\nc',
  },
  {
    name: 'plus on the left keeps indentation, plus on the right keeps the newline',
    src: 'a\n  {%+ if true %}\nb\n  {% endif +%}\nc',
    output: 'a\n  b\n\nc',
  },
  {
    name: 'minus strips all whitespace incl. newlines',
    src: 'a  \n  {%- if true -%}  \n b \n {%- endif %}\nc',
    output: 'abc',
  },
  { name: 'variable tags are not trimmed or lstripped', src: '{{ 1 }}\n  {{ 2 }}\n', output: '1\n  2\n' },
  { name: 'comments obey lstrip and trim', src: 'x {# c #}\ny\n  {# c2 #}\nz', output: 'x y\nz' },
  { name: 'comment with minus', src: '  {# c -#}   \n  q', output: 'q' },
  {
    name: 'raw block keeps content verbatim',
    src: '{% raw %}\n  {{ x }} {% if %}\n{% endraw %}\nafter',
    output: '\n  {{ x }} {% if %}\nafter',
  },
  { name: 'raw block with whitespace control', src: 'a{%- raw -%}  b  {%- endraw -%}  c', output: 'abc' },
  { name: 'tabs before a block tag', src: '\t {% if true %}x{% endif %}\n', output: 'x' },
  {
    name: 'text before a block tag on the same line is kept',
    src: 'x  {% if true %}y{% endif %}\n',
    output: 'x  y',
  },
  {
    name: 'loop lines vanish',
    src: '{% for i in [1,2] %}\n  - {{ i }}\n{% endfor %}\n',
    output: '  - 1\n  - 2\n',
  },
  {
    name: 'windows newlines become \\n',
    src: 'line1\r\nline2\r\n{% if true %}\r\nx\r\n{% endif %}\r\n',
    output: 'line1\nline2\nx\n',
  },
  { name: 'trailing newline is kept', src: 'x\n\n', output: 'x\n\n' },
  { name: 'minus on variable tags', src: "a   {{- 'b' -}}   c", output: 'abc' },
  {
    name: 'trim_blocks removes only one newline',
    src: '{% if true %}\n\n\nX\n{% endif %}\n',
    output: '\n\nX\n',
  },
  {
    name: 'lstrip and minus use Python whitespace: no-break and ideographic spaces yes, a BOM no',
    src: "a  \n　 {% if true %}x{% endif %}\n﻿ {% if true %}y{% endif %} {{- 'z' -}}   w",
    output: 'a  \nx﻿ yzw',
  },
  {
    name: 'set tags inside a for loop with minus',
    src: '{% for i in [1, 2] -%}\n  {% set j = i * 2 -%}\n  {{ j }}\n{% endfor %}',
    output: '2\n4\n',
  },
];

for (const c of CASES) {
  test(c.name, () => {
    check(c);
  });
}
