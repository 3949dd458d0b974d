// What the policy tests (render-manifest-policy, ecr-policies) share: the environment of a run
// with an IAM user's keys against an enforcing moto, and the check that a run was refused for
// exactly one missing IAM action.
import assert from 'node:assert/strict';
import { awsEnv, type ActionRun, type IamUserKeys, type MotoServer } from '@slipway/testbed';

/** The step's AWS environment: moto's endpoint and region, the user's keys and nothing else. */
export function envWithKeys(moto: MotoServer, keys: IamUserKeys): Record<string, string | undefined> {
  return {
    ...awsEnv(moto),
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    AWS_SESSION_TOKEN: undefined,
  };
}

/** Exit 1 and exactly one error, which names the IAM action AWS denied. */
export function assertDenied(run: ActionRun, action: string): void {
  assert.equal(run.exitCode, 1, run.output);
  const errors = run.annotations.filter((a) => a.level === 'error');
  assert.equal(errors.length, 1, run.output);
  assert.match(errors[0]?.message ?? '', new RegExp(`AWS denied ${action}\\b`), run.output);
}
