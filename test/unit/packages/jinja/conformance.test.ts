/**
 * Differential conformance: every case under test/conformance/cases is rendered by Python's
 * Jinja2 (test/conformance/oracle.py, one process for all cases) and by @slipway/jinja, and the
 * outputs must be byte-identical (or both must raise). One test per case, named
 * `<file> › <case name>`; `npm run conformance` prints the same results per file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compare,
  expectationMismatches,
  findPython,
  loadCases,
  renderWithEngine,
  runOracle,
} from '../../../conformance/harness.ts';
import type { Rendering } from '../../../conformance/harness.ts';

const cases = loadCases();
const python = findPython();

if ('error' in python) {
  test('conformance: a Python with jinja2 and PyYAML is available', () => {
    assert.fail(python.error);
  });
} else {
  const oracle: Rendering[] = runOracle(python.python, cases);
  let differences = 0;

  test('conformance: every case expectation agrees with Jinja2', () => {
    assert.deepEqual(expectationMismatches(cases, oracle), []);
  });

  cases.forEach((c, i) => {
    test(`${c.file} › ${c.name}`, () => {
      const verdict = compare(c, oracle[i] as Rendering, renderWithEngine(c));
      if (!verdict.pass) {
        differences++;
        assert.fail(verdict.detail);
      }
    });
  });

  test('conformance: summary', (t) => {
    const files = new Set(cases.map((c) => c.file)).size;
    const line =
      `conformance: ${cases.length} cases in ${files} files, ${differences} differences ` +
      `(Jinja2 ${python.versions.jinja2}, PyYAML ${python.versions.yaml}, ${python.python})`;
    t.diagnostic(line);
    console.log(line);
    assert.ok(cases.length >= 450, `the corpus has ${cases.length} cases; it must keep at least 450`);
  });
}
