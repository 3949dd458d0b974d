import assert from 'node:assert/strict';
import { test } from 'node:test';
import { greeting } from './server.js';

test('answers with the service name and version', () => {
  assert.deepEqual(greeting('1.2.3'), { service: 'shop', version: '1.2.3' });
});
