// await-release in url and argocd modes through its built bundle, against the test bed's version
// service and Argo CD API stand-in. Both answer per request from a script, so what a test sees does
// not depend on how fast the machine is: assertions are on outcomes and request counts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  TEST_SHA,
  allText,
  runActionStep,
  startArgoCdStandIn,
  startVersionService,
  type ActionRun,
  type ArgoApplicationState,
  type ArgoCdStandIn,
  type VersionService,
} from '@slipway/testbed';

const errors = (run: ActionRun) => run.annotations.filter((a) => a.level === 'error');
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('await-release url', () => {
  let service: VersionService;
  before(async () => {
    service = await startVersionService();
  });
  after(async () => {
    await service.stop();
  });

  it('is live once the endpoint reports the version, after some polls of the old one, printing only changes', async () => {
    service.script('/healthz', [
      { json: { status: 'ok', build: { version: '1.4.1' } } },
      { json: { status: 'ok', build: { version: '1.4.1' } } },
      { json: { status: 'ok', build: { version: '1.4.1' } } },
      { status: 503, text: 'starting' },
      { json: { status: 'ok', build: { version: '1.4.2' } } },
    ]);
    const run = await runActionStep('await-release', {
      inputs: {
        url: `${service.url}healthz`,
        expect: '1.4.2',
        'version-at': 'json:/build/version',
        consecutive: '2',
        interval: '100ms',
        timeout: '1m',
      },
    });
    assert.equal(run.exitCode, 0, run.output);
    assert.equal(run.outputs.status, 'live');
    assert.equal(run.outputs.url, `${service.url}healthz`);
    // 3 old, 1 error, then 2 in a row of the new version.
    assert.equal(service.hits('/healthz'), 6);
    assert.equal(count(run.output, 'HTTP 200, version 1.4.1'), 1, run.output);
    assert.equal(count(run.output, 'HTTP 503'), 1, run.output);
    assert.equal(count(run.output, 'HTTP 200, version 1.4.2'), 1, run.output);
    assert.match(run.summary, /Release live/);
  });

  it('reads the version from a header or a regular expression on the body', async () => {
    service.script('/version-header', [{ text: 'ok', headers: { 'x-version': '2.0.0' } }]);
    service.script('/version-text', [{ text: 'shop build=2.0.0 (abc)' }]);
    for (const [path, at] of [
      ['version-header', 'header:X-Version'],
      ['version-text', 'regex:build=(\\S+)'],
    ] as const) {
      const run = await runActionStep('await-release', {
        inputs: {
          url: `${service.url}${path}`,
          expect: '2.0.0',
          'version-at': at,
          interval: '100ms',
          timeout: '30s',
        },
      });
      assert.equal(run.exitCode, 0, run.output);
      assert.equal(run.outputs.status, 'live');
    }
  });

  it('times out when the endpoint keeps reporting another version, and fails the step', async () => {
    service.script('/stuck', [{ json: { version: '1.4.1' } }]);
    const run = await runActionStep('await-release', {
      inputs: { url: `${service.url}stuck`, expect: '1.4.2', interval: '100ms', timeout: '1s' },
    });
    assert.equal(run.exitCode, 1, run.output);
    assert.equal(run.outputs.status, 'timed-out');
    const errs = errors(run);
    assert.equal(errs.length, 1, run.output);
    assert.match(
      errs[0]?.message ?? '',
      /did not report version 1\.4\.2 within 1s; last answer: HTTP 200, version 1\.4\.1/,
    );
    // Polled until the deadline, at most once per interval, and said so once.
    const hits = service.hits('/stuck');
    assert.ok(hits >= 1 && hits <= 12, `${hits} polls`);
    assert.equal(count(run.output, 'version 1.4.1'), 2, run.output); // the change line and the error
  });

  it('with fail-on none, reports timed-out in the outputs and succeeds with a warning', async () => {
    service.script('/none', [{ json: { version: '0.9' } }]);
    const run = await runActionStep('await-release', {
      inputs: {
        url: `${service.url}none`,
        expect: '1.0',
        interval: '100ms',
        timeout: '1s',
        'fail-on': 'none',
      },
    });
    assert.equal(run.exitCode, 0, run.output);
    assert.equal(run.outputs.status, 'timed-out');
    assert.ok(run.annotations.some((a) => a.level === 'warning' && /timed-out/.test(a.message)));
  });

  it('keeps polling through connection refused until the service is up', async () => {
    const later = await startVersionService({ listening: false });
    later.script('/v', [{ json: { version: '3.1.0' } }]);
    try {
      // Nothing listens until the action has said it sees connection refused.
      let refused: () => void = () => undefined;
      const seenRefused = new Promise<void>((resolve) => (refused = resolve));
      const running = runActionStep('await-release', {
        inputs: { url: `${later.url}v`, expect: '3.1.0', interval: '100ms', timeout: '1m' },
        onOutput: (output) => {
          if (output.includes('connection refused')) refused();
        },
      });
      await Promise.race([
        seenRefused,
        running.then((r) => assert.fail(`the action ended without seeing connection refused:\n${r.output}`)),
      ]);
      assert.equal(later.hits('/v'), 0);
      await later.up();
      const run = await running;
      assert.equal(run.exitCode, 0, run.output);
      assert.equal(run.outputs.status, 'live');
      assert.equal(count(run.output, 'connection refused'), 1, run.output);
      assert.equal(later.hits('/v'), 1);
    } finally {
      await later.stop();
    }
  });
});

describe('await-release argocd', () => {
  let argo: ArgoCdStandIn;
  before(async () => {
    argo = await startArgoCdStandIn();
  });
  after(async () => {
    await argo.stop();
  });

  const OLD = '1111111111111111111111111111111111111111';
  const deployment = (health: string, message?: string) => ({
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    namespace: 'shop',
    name: 'shop',
    status: 'Synced',
    health: { status: health, ...(message ? { message } : {}) },
  });
  const service = {
    version: 'v1',
    kind: 'Service',
    namespace: 'shop',
    name: 'shop',
    status: 'Synced',
    health: { status: 'Healthy' },
  };

  function follow(application: string, extra: Record<string, string> = {}) {
    return runActionStep('await-release', {
      inputs: {
        server: argo.url,
        application,
        token: argo.token,
        interval: '100ms',
        timeout: '1m',
        ...extra,
      },
    });
  }

  it('is live once the application is synced to the workflow commit and Healthy', async () => {
    const states: ArgoApplicationState[] = [
      {
        sync: { status: 'Synced', revision: OLD },
        health: { status: 'Healthy' },
        resources: [deployment('Healthy'), service],
      },
      { sync: { status: 'OutOfSync', revision: OLD }, health: { status: 'Healthy' } },
      {
        sync: { status: 'Synced', revision: TEST_SHA },
        health: { status: 'Progressing' },
        resources: [
          deployment(
            'Progressing',
            'Waiting for rollout to finish: 1 of 2 updated replicas are available...',
          ),
          service,
        ],
      },
      {
        sync: { status: 'Synced', revision: TEST_SHA },
        health: { status: 'Healthy' },
        resources: [deployment('Healthy'), service],
      },
    ];
    argo.script('shop-staging', states);
    const run = await follow('shop-staging');
    assert.equal(run.exitCode, 0, run.output);
    assert.equal(run.outputs.status, 'live');
    assert.equal(run.outputs.url, `${argo.url}/applications/shop-staging`);
    assert.equal(argo.hits('shop-staging'), 4);
    assert.match(run.output, /sync Synced at 8f3c2a1, health Progressing/);
    // The token is masked and never printed.
    assert.ok(run.masks.includes(argo.token));
    assert.ok(!allText(run).includes(argo.token));
  });

  it('fails on Degraded at the revision, listing the resources that are not healthy with their messages', async () => {
    argo.script('shop-degraded', [
      { sync: { status: 'Synced', revision: TEST_SHA }, health: { status: 'Progressing' } },
      {
        sync: { status: 'Synced', revision: TEST_SHA },
        health: { status: 'Degraded' },
        resources: [
          deployment('Degraded', 'Deployment "shop" exceeded its progress deadline'),
          service,
          {
            kind: 'Pod',
            namespace: 'shop',
            name: 'shop-7d9c5b8f6-x2x9k',
            health: { status: 'Degraded', message: 'Back-off pulling image "shop:1.4.2"' },
          },
        ],
      },
    ]);
    const run = await follow('shop-degraded');
    assert.equal(run.exitCode, 1, run.output);
    assert.equal(run.outputs.status, 'failed');
    assert.equal(run.outputs['failed-stage'], 'Deployment/shop/shop');
    assert.match(
      run.outputs.detail ?? '',
      /Deployment\/shop\/shop: Degraded — Deployment "shop" exceeded its progress deadline/,
    );
    assert.match(
      run.outputs.detail ?? '',
      /Pod\/shop\/shop-7d9c5b8f6-x2x9k: Degraded — Back-off pulling image/,
    );
    assert.ok(!/Service\/shop\/shop/.test(run.outputs.detail ?? ''), 'a healthy resource is not listed');
    assert.match(run.summary, /Resources that are not healthy/);
    assert.equal(errors(run).length, 1, run.output);
  });

  it('fails when the sync of the revision failed, with the resources whose sync failed', async () => {
    argo.script('shop-syncfail', [
      {
        sync: { status: 'OutOfSync', revision: OLD },
        health: { status: 'Healthy' },
        operationState: {
          phase: 'Failed',
          message: 'one or more objects failed to apply',
          syncResult: {
            revision: TEST_SHA,
            resources: [
              {
                kind: 'Deployment',
                namespace: 'shop',
                name: 'shop',
                status: 'SyncFailed',
                message: 'admission webhook denied the request',
              },
            ],
          },
        },
      },
    ]);
    const run = await follow('shop-syncfail');
    assert.equal(run.exitCode, 1, run.output);
    assert.equal(run.outputs.status, 'failed');
    assert.match(
      run.outputs.detail ?? '',
      /the sync of 8f3c2a1 failed: one or more objects failed to apply; Deployment\/shop\/shop: sync SyncFailed — admission webhook denied the request/,
    );
  });

  it('names the RBAC permission when the token is refused, and an unknown application', async () => {
    argo.script('shop-auth', [
      { sync: { status: 'Synced', revision: TEST_SHA }, health: { status: 'Healthy' } },
    ]);
    const refused = await follow('shop-auth', { token: 'not-the-token' });
    assert.equal(refused.exitCode, 1);
    assert.match(
      errors(refused)[0]?.message ?? '',
      /Argo CD refused GET .* \(HTTP 401\): the token needs the RBAC permission "applications, get"/,
    );
    assert.equal(argo.hits('shop-auth'), 0);
    const unknown = await follow('no-such-app');
    assert.equal(unknown.exitCode, 1);
    assert.match(errors(unknown)[0]?.message ?? '', /Argo CD has no application no-such-app/);
  });
});
