import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError, Inputs, envInputs, mapInputs, parseDuration } from '@slipway/action-kit';

const inputs = (values: Record<string, string>) => new Inputs(mapInputs(values));

function inputError(fn: () => unknown, input: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    assert.equal(err.input, input);
    assert.match(err.message, new RegExp(`^input ${input}: `));
    assert.match(err.message, pattern);
    return true;
  });
}

describe('Inputs', () => {
  it('reads INPUT_ variables the way the runner names them: upper case, spaces to _, hyphens kept', () => {
    const source = envInputs({ 'INPUT_REGISTRY-URL': 'http://x', INPUT_MY_NAME: 'a' });
    assert.equal(source.get('registry-url'), 'http://x');
    assert.equal(source.get('my name'), 'a');
  });

  it('trims strings, treats empty as unset and names a missing required input', () => {
    const i = inputs({ a: '  v  ', b: '   ' });
    assert.equal(i.string('a'), 'v');
    assert.equal(i.optional('b'), undefined);
    assert.equal(i.string('b', { default: 'd' }), 'd');
    inputError(() => i.string('b', { required: true }), 'b', /is required/);
  });

  it('accepts true/false in any case and yes/no, and rejects anything else with the accepted form', () => {
    const i = inputs({ t: 'TRUE', y: 'yes', f: 'False', z: '0', bad: 'maybe' });
    assert.equal(i.boolean('t', false), true);
    assert.equal(i.boolean('y', false), true);
    assert.equal(i.boolean('f', true), false);
    assert.equal(i.boolean('z', true), false);
    assert.equal(i.boolean('unset', true), true);
    inputError(() => i.boolean('bad', false), 'bad', /"maybe" is not a boolean; use true or false/);
  });

  it('splits lists on newlines and commas and drops empty items', () => {
    assert.deepEqual(inputs({ l: 'a, b\n\n c,,\n' }).list('l'), ['a', 'b', 'c']);
    assert.deepEqual(inputs({}).list('l'), []);
  });

  it('matches enums case-insensitively, returns the canonical spelling and lists the allowed values', () => {
    const i = inputs({ s: 'high', bad: 'severe' });
    assert.equal(i.enum('s', ['LOW', 'HIGH'] as const), 'HIGH');
    assert.equal(i.enum('unset', ['a', 'b'] as const, 'b'), 'b');
    inputError(
      () => i.enum('bad', ['LOW', 'HIGH'] as const),
      'bad',
      /"severe" is not allowed; use one of LOW, HIGH/,
    );
  });

  it('reads whole numbers within bounds and names the range on error', () => {
    const i = inputs({ n: '4', neg: '-2', frac: '1.5', text: 'four', big: '99' });
    assert.equal(i.integer('n', { min: 1, max: 8 }), 4);
    assert.equal(i.integer('neg'), -2);
    assert.equal(i.integer('unset', { default: 3 }), 3);
    assert.equal(i.integer('unset'), undefined);
    inputError(() => i.integer('frac'), 'frac', /use a whole number$/);
    inputError(() => i.integer('text', { min: 1 }), 'text', /use a whole number of at least 1/);
    inputError(() => i.integer('big', { min: 1, max: 16 }), 'big', /from 1 to 16/);
  });

  it('parses durations into milliseconds; a bare number is seconds', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('2'), 2000);
    assert.equal(parseDuration('1.5m'), 90_000);
    assert.equal(parseDuration('5 minutes'), undefined);
    assert.equal(parseDuration('m5'), undefined);
    assert.equal(inputs({}).duration('d', '30s'), 30_000);
    inputError(() => inputs({ d: 'soon' }).duration('d'), 'd', /use e.g. 30s, 5m, 1h30m or 250ms/);
  });

  it('reads a YAML or JSON mapping and refuses lists, scalars and broken syntax', async () => {
    assert.deepEqual(await inputs({ m: 'a: 1\nb: [x]' }).map('m'), { a: 1, b: ['x'] });
    assert.deepEqual(await inputs({ m: '{"a": "1"}' }).map('m'), { a: '1' });
    assert.deepEqual(await inputs({ m: '{a: 1}' }).map('m'), { a: 1 });
    assert.deepEqual(await inputs({}).map('m'), {});
    await assert.rejects(
      inputs({ m: '- a\n- b' }).map('m'),
      (e: unknown) => e instanceof InputError && /mapping/.test(e.message),
    );
    await assert.rejects(
      inputs({ m: 'just text' }).map('m'),
      (e: unknown) => e instanceof InputError && /mapping/.test(e.message),
    );
    await assert.rejects(
      inputs({ m: 'a: [1' }).map('m'),
      (e: unknown) => e instanceof InputError && /not valid YAML or JSON/.test(e.message),
    );
  });
});
