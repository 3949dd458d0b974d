import { RenderParameterError } from './errors.ts';
import type { PyValue } from '@slipway/jinja';
import type { Values } from './values.ts';

/** The values every template gets, whatever `values` says. */
export interface BuiltinValues {
  project: string;
  deploy_env: string;
  namespace: string;
  /** From the `cluster` input; undefined (so a template using it fails) when not given. */
  cluster_name?: string;
  /** `repo@sha256:…` when the image has a digest, else `repo:tag`; undefined without `image`. */
  deploy_image?: string;
  docker_tag?: string;
  image_digest?: string;
  version: string;
  git_sha: string;
  git_ref: string;
  run_url: string;
}

/** Which input sets each built-in value, for the hint of an undefined-variable error. */
export const BUILTIN_SOURCES: Record<keyof BuiltinValues, string> = {
  project: 'the project input (default: the repository name)',
  deploy_env: 'the environment input',
  namespace: 'the namespace input (default: the project)',
  cluster_name: 'the cluster input',
  deploy_image: 'the image input',
  docker_tag: 'the image input (its tag)',
  image_digest: 'the image input (its @sha256 digest)',
  version: 'the version input',
  git_sha: 'GITHUB_SHA',
  git_ref: 'GITHUB_REF',
  run_url: 'the workflow run',
};

/**
 * Refuses values that would shadow a built-in value: which one wins would surprise half the
 * readers. Throws a RenderParameterError about `values`.
 */
export function checkValueNames(values: Values): void {
  for (const name of [...Object.keys(BUILTIN_SOURCES), 'values']) {
    if (values.has(name)) {
      throw new RenderParameterError(
        'values',
        `defines ${name}, which is a built-in value; rename it (built-ins: ${Object.keys(BUILTIN_SOURCES).join(', ')})`,
      );
    }
  }
}

/**
 * The variables of every template: each value at the top level and all of them under `values`
 * too (`{{ values.replicas }}` reads well next to the built-ins), then the built-in values that
 * are set. Unset built-ins stay undefined, so a template printing one fails with a hint.
 */
export function templateContext(builtins: BuiltinValues, values: Values): Map<string, PyValue> {
  checkValueNames(values);
  const context = new Map<string, PyValue>();
  // Keys that are not strings (`1: one` in YAML) are reachable through values[1] only.
  for (const [key, value] of values) if (typeof key === 'string') context.set(key, value);
  context.set('values', values);
  for (const [key, value] of Object.entries(builtins)) {
    if (typeof value === 'string' && value !== '') context.set(key, value);
  }
  return context;
}
