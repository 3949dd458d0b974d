// Cases whose expectations were recorded from Python's Jinja2 3.1.6 with the engine's
// configuration (trim_blocks, lstrip_blocks, StrictUndefined, keep_trailing_newline): what a
// template renders, or the Python exception type and message it raises.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Environment } from '../../../../packages/jinja/src/index.ts';

export type Expected = string | { error: string; message: string };

/** A template, the index of its context, and what Jinja2 made of it. */
export type RecordedCase = [source: string, context: number, expected: Expected];

/** Renders every case and lists those whose result differs from the recorded one. */
export function recordedDifferences(
  env: Environment,
  cases: readonly RecordedCase[],
  contexts: readonly Record<string, unknown>[],
): string[] {
  const differences: string[] = [];
  for (const [source, context, expected] of cases) {
    let got: Expected;
    try {
      got = env.renderString(source, contexts[context] ?? {});
    } catch (e) {
      const err = e as Error & { pyType?: string };
      got = { error: err.pyType ?? err.name, message: err.message };
    }
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      differences.push(`${source}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
    }
  }
  return differences;
}

/** One test per case, named `${title}: ${source}`: the output, or the same exception and message. */
export function testEachRecorded(
  title: string,
  env: Environment,
  cases: readonly RecordedCase[],
  contexts: readonly Record<string, unknown>[],
): void {
  for (const [source, context, expected] of cases) {
    test(`${title}: ${source}`, () => {
      const render = (): string => env.renderString(source, contexts[context] ?? {});
      if (typeof expected === 'string') {
        assert.equal(render(), expected);
      } else {
        assert.throws(render, (e: Error & { pyType?: string }) => {
          assert.equal(e.pyType ?? e.name, expected.error);
          assert.equal(e.message, expected.message);
          return true;
        });
      }
    });
  }
}
