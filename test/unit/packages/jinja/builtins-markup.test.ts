// Markup, lenient Undefined, dict views and the autoescape paths of join/replace. Expected
// strings were printed by Python's Jinja2 3.1.6 / markupsafe for the same templates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Environment, UndefinedError } from '../../../../packages/jinja/src/index.ts';
import { BUILTIN_FILTERS } from '../../../../packages/jinja/src/filters.ts';
import {
  Markup,
  Undefined,
  pyIter,
  pyLen,
  pyStr,
  truthy,
  type CallContext,
  type PyValue,
} from '../../../../packages/jinja/src/values.ts';

const env = new Environment();

test('Markup str methods escape their arguments and keep Markup, as markupsafe does', () => {
  assert.equal(
    env.renderString(
      "{{ ('<a> <b>'|e).split(' ') }}|{{ ('a'|e).replace('a', '<') }}|{{ ('<'|e).join(['<', '>'|e]) }}|" +
        "{{ ('{}'|e).format('<') }}|{{ ('%s'|e) % '<' }}|{{ ('a'|e).center(5, '*') }}|{{ ('x'|e).startswith('x') }}",
      {},
    ),
    "[Markup('&lt;a&gt;'), Markup('&lt;b&gt;')]|&lt;|&lt;&lt;&gt;|&lt;|&lt;|**a**|True",
  );
});

test('dict views print, iterate and measure as Python dict_items/keys/values', () => {
  assert.equal(
    env.renderString(
      "{{ {'a': 1}.items() }}|{{ {'a': 1}.keys()|list }}|{{ {'a': 1}.values()|sum }}|" +
        "{{ {'a': 1}.items()|length }}|{{ {}.keys() is sequence }}",
      {},
    ),
    "dict_items([('a', 1)])|['a']|1|1|False",
  );
});

test('a lenient Undefined prints empty, is false, iterates and measures empty, but raises on attributes', () => {
  const u = new Undefined('', 'the inline if-expression evaluated to false', true);
  assert.equal(pyStr(u), '');
  assert.equal(truthy(u), false);
  assert.equal(pyLen(u), 0);
  assert.deepEqual(Array.from(pyIter(u)), []);
  const strict = new Undefined('x');
  assert.throws(() => pyStr(strict), UndefinedError);
  assert.throws(() => truthy(strict), /'x' is undefined/);
});

const autoescapeContext: CallContext = {
  filter: (name) => BUILTIN_FILTERS.get(name),
  test: () => undefined,
  tick: () => undefined,
  autoescape: true,
};

function callFilter(name: string, value: PyValue, ...args: PyValue[]): PyValue {
  const f = BUILTIN_FILTERS.get(name);
  assert.ok(f, name);
  return f(autoescapeContext, value, args, new Map());
}

test('with autoescape on, replace and join keep Markup and escape the rest, as Jinja2 does', () => {
  // Jinja2 (autoescape=True): '<i>|&lt;a&gt;, <b>|&lt;a&gt;<b>b|&lt;<b>&gt;'
  const y = new Markup('<b>');
  assert.deepEqual(callFilter('replace', y, 'b', 'i'), new Markup('<i>'));
  assert.deepEqual(callFilter('join', ['<a>', y], ', '), new Markup('&lt;a&gt;, <b>'));
  assert.deepEqual(callFilter('join', ['<a>', 'b'], y), new Markup('&lt;a&gt;<b>b'));
  assert.deepEqual(callFilter('replace', '<x>', 'x', y), new Markup('&lt;<b>&gt;'));
});
