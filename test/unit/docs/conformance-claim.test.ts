// render-manifest's README states how many conformance cases prove its Jinja2 compatibility;
// the number must be the corpus's (the differential test proves they all match).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadCases } from '../../conformance/harness.ts';

test("the README's count of Jinja2 conformance cases is the corpus's", () => {
  const readme = readFileSync(new URL('../../../actions/render-manifest/README.md', import.meta.url), 'utf8');
  const claimed = /\*\*([\d,]+) cases organised by the headings/.exec(readme)?.[1];
  assert.ok(claimed, 'the README states a count');
  assert.equal(Number(claimed.replace(/,/g, '')), loadCases().length);
});
