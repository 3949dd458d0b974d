/**
 * What `@actions/core` sees as `@actions/exec` in the bundle: core runs programs only in
 * `platform.getDetails()`, so the real module is loaded on that first call, not at every start.
 */
import type * as Exec from '@actions/exec';

export async function getExecOutput(...args: Parameters<typeof Exec.getExecOutput>) {
  const exec = await import('@actions/exec');
  return exec.getExecOutput(...args);
}
