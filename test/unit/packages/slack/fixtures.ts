import type { DeploymentFacts, RunFacts } from '@slipway/slack';

/** A push run of octo/api as the runner would describe it. */
export function pushRun(overrides: Partial<RunFacts> = {}): RunFacts {
  return {
    serverUrl: 'https://github.com',
    repository: 'octo/api',
    ref: 'main',
    sha: '0123456789abcdef0123456789abcdef01234567',
    commitMessage: 'Fix the <login> & signup flow',
    actor: 'mona',
    workflow: 'Deploy',
    job: 'deploy',
    event: 'push',
    runId: '987654321',
    runNumber: '42',
    runAttempt: '1',
    ...overrides,
  };
}

/** Facts of a deployment that succeeded after 3 m 12 s. */
export function successFacts(overrides: Partial<DeploymentFacts> = {}): DeploymentFacts {
  const now = new Date('2024-05-01T12:03:12Z');
  return {
    run: pushRun(),
    status: 'success',
    title: 'Deploy api',
    fields: [['environment', 'production']],
    startedAt: new Date('2024-05-01T12:00:00Z'),
    now,
    ...overrides,
  };
}
