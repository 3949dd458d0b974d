import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Environment,
  TemplateNotFound,
  TemplateSyntaxError,
  UndefinedError,
  fromJS,
} from '../../../../packages/jinja/src/index.ts';
import type { PyValue } from '../../../../packages/jinja/src/index.ts';

test('renderString takes plain JS data: integral numbers are ints, objects are dicts', () => {
  const env = new Environment();
  assert.equal(
    env.renderString('{{ n }} {{ f }} {{ d }} {{ xs[1:] }}', { n: 2, f: 2.5, d: { a: true }, xs: [1, 2] }),
    "2 2.5 {'a': True} [2]",
  );
});

test('renderString takes Python values in a Map, so floats like 2.0 stay floats', () => {
  const env = new Environment();
  const vars = new Map<string, PyValue>([
    ['f', 2.0],
    ['xs', fromJS([1, 2])],
  ]);
  assert.equal(env.renderString('{{ f }} {{ xs | sum }}', vars), '2.0 3');
});

test('render loads the entry template and its partials through the loader, by the names written', () => {
  const asked: string[] = [];
  const env = new Environment({
    loader: {
      load(name) {
        asked.push(name);
        return { 'page.j2': '{% include "parts/head.j2" %}body', 'parts/head.j2': 'head;' }[name];
      },
    },
  });
  assert.equal(env.render('page.j2'), 'head;body');
  assert.deepEqual(asked, ['page.j2', 'parts/head.j2']);
  assert.throws(() => env.render('nope.j2'), TemplateNotFound);
});

test('an included template is read once per render even when included in a loop', () => {
  let loads = 0;
  const env = new Environment({
    loader: {
      load: (name) => {
        loads++;
        return name === 'item.j2' ? '[{{ i }}]' : undefined;
      },
    },
  });
  assert.equal(env.renderString('{% for i in range(3) %}{% include "item.j2" %}{% endfor %}'), '[0][1][2]');
  assert.equal(loads, 1);
});

test('errors carry the template name and line, and a located message', () => {
  const env = new Environment();
  assert.throws(
    () => env.renderString('a\nb {{ registry ~ "/x" }}', {}, 'deploy.yaml.j2'),
    (error: unknown) => {
      assert.ok(error instanceof UndefinedError);
      assert.equal(error.message, "'registry' is undefined");
      assert.equal(error.template, 'deploy.yaml.j2');
      assert.equal(error.line, 2);
      assert.equal(error.located, "deploy.yaml.j2:2: 'registry' is undefined");
      return true;
    },
  );
  assert.throws(
    () => env.renderString('{% if x %}\n{% endfor %}', {}, 't.j2'),
    (error: unknown) => {
      assert.ok(error instanceof TemplateSyntaxError);
      assert.equal(error.line, 2);
      assert.match(
        error.message,
        /^Encountered unknown tag 'endfor'\. Jinja was looking for the following tags:/,
      );
      return true;
    },
  );
});

test('extra filters, tests and globals can be registered', () => {
  const env = new Environment({
    filters: { shout: (_ctx, v) => `${String(v)}!` },
    tests: { short: (_ctx, v) => typeof v === 'string' && v.length < 3 },
    globals: { answer: 42n },
  });
  assert.equal(env.renderString('{{ "hi" | shout }} {{ "hi" is short }} {{ answer }}'), 'hi! True 42');
});

test('a template is parsed once per name and source', () => {
  const env = new Environment();
  const a = env.compile('{{ x }}', 'a.j2');
  assert.equal(env.compile('{{ x }}', 'a.j2'), a);
  assert.notEqual(env.compile('{{ x }}', 'b.j2'), a);
  assert.notEqual(env.compile('{{ y }}', 'a.j2'), a);
});
