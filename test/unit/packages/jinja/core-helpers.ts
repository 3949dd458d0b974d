import assert from 'node:assert/strict';
import { Environment, TemplateError } from '../../../../packages/jinja/src/index.ts';
import type { Limits, PyException } from '../../../../packages/jinja/src/index.ts';

/** One rendering and what Python's Jinja2 gave for it: the output, or the error. */
export interface CoreCase {
  name: string;
  /** Source of `main.j2` (omitted when `entry` names one of the partials). */
  src?: string;
  ctx?: Record<string, unknown>;
  partials?: Record<string, string>;
  entry?: string;
  output?: string;
  error?: string;
  pyType?: string;
  message?: string;
  line?: number;
  template?: string;
}

/** An environment whose loader serves `templates` by name. */
export function envWith(templates: Record<string, string>, limits?: Partial<Limits>): Environment {
  return new Environment({ loader: { load: (name) => templates[name] }, limits });
}

/** Renders the case and asserts it matches what Jinja2 did, error class, message, line and template included. */
export function check(c: CoreCase): void {
  const templates: Record<string, string> = { ...c.partials };
  if (c.src !== undefined) templates['main.j2'] = c.src;
  const env = envWith(templates);
  const render = (): string => env.render(c.entry ?? 'main.j2', c.ctx ?? {});
  if (c.output !== undefined) {
    assert.equal(render(), c.output);
    return;
  }
  assert.throws(render, (error: unknown) => {
    assert.ok(error instanceof TemplateError, `expected a TemplateError, got ${String(error)}`);
    assert.equal(error.name, c.error);
    if (c.pyType !== undefined) assert.equal((error as PyException).pyType, c.pyType);
    assert.equal(error.message, c.message);
    if (c.line !== undefined) assert.equal(error.line, c.line);
    if (c.template !== undefined) assert.equal(error.template, c.template);
    return true;
  });
}
