import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Environment, SecurityError, UndefinedError } from '../../../../packages/jinja/src/index.ts';

const env = new Environment();
const values = { x: { name: 'shop' }, xs: [1, 2], s: 'str' };

function refused(src: string, cls: typeof SecurityError | typeof UndefinedError): void {
  assert.throws(
    () => env.renderString(src, values),
    (error: unknown) => {
      assert.ok(error instanceof cls, `${src}: expected ${cls.name}, got ${String(error)}`);
      return true;
    },
  );
}

test('underscore attributes are refused with SecurityError on every kind of value', () => {
  for (const src of [
    "{{ ''.__class__ }}",
    '{{ cycler.__init__ }}',
    '{{ x.__proto__ }}',
    '{{ xs.__len__ }}',
    '{{ s._private }}',
    '{{ range.__call__ }}',
    '{% for i in xs %}{{ loop.__class__ }}{% endfor %}',
    '{% macro m() %}{% endmacro %}{{ m.__code__ }}',
    '{{ self.__dict__ }}',
    '{{ namespace().__class__ }}',
    "{{ x['__proto__'] }}",
  ]) {
    refused(src, SecurityError);
  }
});

test('JS object properties are not Python attributes', () => {
  for (const src of [
    '{{ range.constructor }}',
    '{{ x.constructor }}',
    '{{ x.constructor("return process")() }}',
    '{{ xs.constructor.constructor("return process")() }}',
    '{{ s.constructor }}',
    '{{ x.toString() }}',
    '{{ x.hasOwnProperty("name") }}',
    '{{ xs.map }}',
    '{{ x.prototype }}',
    '{% for i in xs %}{{ loop.constructor }}{% endfor %}',
    '{% macro m() %}{% endmacro %}{{ m.call }}',
    '{{ cycler(1).constructor }}',
    '{{ 1.0.constructor }}',
  ]) {
    refused(src, UndefinedError);
  }
});

test('a mapping key named like an unsafe attribute is still data when subscripted', () => {
  assert.equal(
    env.renderString("{{ d['_private'] }} {{ d['constructor'] }}", {
      d: { _private: 'p', constructor: 'c' },
    }),
    'p c',
  );
});

test('names starting with an underscore cannot be imported', () => {
  const withLoader = new Environment({ loader: { load: () => '{% set _x = 1 %}' } });
  assert.throws(
    () => withLoader.renderString("{% from 'm' import _x %}"),
    /names starting with an underline can not be imported/,
  );
});
