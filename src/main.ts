// The one-step root action: push an image (ecr-push), render and publish its manifests
// (render-manifest), follow the release until it is live (await-release), tell Slack
// (slack-notify) — the same code and inputs as the single actions, run in one process. Every
// part's inputs are validated before any part does anything.
import {
  ActionError,
  InputError,
  Inputs,
  appendSummary,
  envInputs,
  exportVariable,
  log,
  runAction,
  runContext,
  setOutputs,
  type InputSource,
  type RunContext,
} from '@slipway/action-kit';
import type { AwaitReleaseInputs } from '../actions/await-release/src/inputs.ts';
// Each part's code is loaded only when its inputs switch it on, keeping the start path small.
const loadPush = async () => ({
  ...(await import('../actions/ecr-push/src/inputs.ts')),
  ...(await import('../actions/ecr-push/src/main.ts')),
});
const loadRender = async () => ({
  ...(await import('../actions/render-manifest/src/inputs.ts')),
  ...(await import('../actions/render-manifest/src/main.ts')),
});
const loadAwait = async () => ({
  ...(await import('../actions/await-release/src/inputs.ts')),
  ...(await import('../actions/await-release/src/await-release.ts')),
  ...(await import('@slipway/release')),
});
const loadSlack = async () => ({
  ...(await import('../actions/slack-notify/src/inputs.ts')),
  ...(await import('../actions/slack-notify/src/main.ts')),
});

/**
 * await-release's inputs in the root: codepipeline mode, the pipeline named as the Slipway stack
 * names it unless given, the release just published, and the root's release-* inputs.
 */
function awaitSource(
  source: InputSource,
  render: { project: string; environment: string },
  versionId: string,
): InputSource {
  const values: Record<string, string | undefined> = {
    mode: 'codepipeline',
    pipeline: source.get('pipeline')?.trim() || `${render.project}-${render.environment}`,
    'version-id': versionId,
    region: source.get('region'),
    'log-lines': source.get('log-lines'),
    timeout: source.get('release-timeout'),
    interval: source.get('release-interval'),
    'fail-on': source.get('release-fail-on'),
  };
  return { get: (name) => values[name] };
}

/** await-release's input names as the root calls them, for error messages. */
const AWAIT_INPUT_NAMES: Record<string, string> = {
  timeout: 'release-timeout',
  interval: 'release-interval',
  'fail-on': 'release-fail-on',
};

/** Reads await-release's inputs, naming a bad one as the root action calls it. */
function readAwaitInputs(
  part: { readInputs: (source: InputSource, context: RunContext) => AwaitReleaseInputs },
  source: InputSource,
): AwaitReleaseInputs {
  try {
    return part.readInputs(source, runContext());
  } catch (err) {
    const root = err instanceof InputError ? AWAIT_INPUT_NAMES[err.input] : undefined;
    if (!root || !(err instanceof InputError)) throw err;
    throw new InputError(root, err.message.slice(`input ${err.input}: `.length));
  }
}

/** The runner's inputs with some values supplied by an earlier part (e.g. the pushed image). */
function withValues(source: InputSource, values: Record<string, string | undefined>): InputSource {
  return { get: (name) => source.get(name)?.trim() || values[name] };
}

export default () =>
  runAction('slipway', {
    async main() {
      const source = envInputs();
      const given = (name: string) => Boolean(source.get(name)?.trim());
      // Secrets first: masked before any other input is even looked at.
      const slackPart = given('webhook-url') || given('token') ? await loadSlack() : undefined;
      const redact = slackPart?.maskSlackSecrets();
      if (!given('source') && !given('templates') && !slackPart) {
        throw new InputError(
          'source',
          'nothing to do: give source to push an image, templates to render and publish manifests, and webhook-url or token to tell Slack',
        );
      }

      if (given('source') && given('image')) {
        throw new InputError(
          'image',
          'is for manifests of an image pushed elsewhere; with source, the manifests use the image just pushed, so leave image empty',
        );
      }
      const pushPart = given('source') ? await loadPush() : undefined;
      const renderPart = given('templates') ? await loadRender() : undefined;
      const push = pushPart?.readEcrPushInputs(source);
      // Until the push, the image is a stand-in of the same shape: every template is rendered and
      // every manifest validated now, and again for real after the push.
      const standIn = push ? { image: `${push.repository}@sha256:${'0'.repeat(64)}` } : {};
      const renderCheck = renderPart
        ? await renderPart.readInputs(new Inputs(withValues(source, standIn)))
        : undefined;
      // The release is followed when one is published: a bucket, no dry run, wait-for-release on.
      const waits =
        Boolean(renderCheck?.publish) &&
        !renderCheck?.dryRun &&
        new Inputs(source).boolean('wait-for-release', true);
      const awaitPart = waits ? await loadAwait() : undefined;
      if (awaitPart && renderCheck) readAwaitInputs(awaitPart, awaitSource(source, renderCheck, 'pending'));
      const notify = slackPart ? await slackPart.readSlackNotifyInputs(source) : undefined;
      // The message's templates and payload are checked by building it once.
      if (slackPart && notify)
        await slackPart.buildMessage(notify, slackPart.gatherFacts(notify, new Date()));
      if (renderPart && renderCheck && !(await renderPart.renderAndValidate(renderCheck))) return;
      // The targets, before anything changes: the bucket the release goes to and the Slack token
      // that announces it. A push followed by a refused publish or message is half-done work.
      if (renderPart && renderCheck) await renderPart.checkPublishTarget(renderCheck);
      if (slackPart && notify && redact) await slackPart.checkSlackTarget(notify, redact);

      const outputs: Record<string, string> = {};
      let failure: unknown;
      try {
        if (pushPart && push) Object.assign(outputs, await pushPart.ecrPush(push));
        if (renderPart && renderCheck) {
          const render = push
            ? await renderPart.readInputs(new Inputs(withValues(source, { image: outputs['image-ref'] })))
            : renderCheck;
          // The version of the check is the release's, so both runs name the same release.
          render.version = renderCheck.version;
          const rendered = await renderPart.renderManifest(render);
          if (!rendered)
            throw new ActionError('render-manifest reported invalid templates or manifests (above)');
          Object.assign(outputs, rendered);
          if (awaitPart) {
            const versionId = outputs['artifact-version-id'] ?? '';
            if (!versionId) {
              throw new ActionError(
                'the release cannot be followed: the bucket gave the artifact no version ID (turn on versioning, which CodePipeline needs anyway, or set wait-for-release: false)',
              );
            }
            const inputs = readAwaitInputs(awaitPart, awaitSource(source, render, versionId));
            const followed = await log.group(`Follow the release ${render.version} until it is live`, () =>
              awaitPart.awaitRelease(inputs, log),
            );
            const { status, detail, url, duration } = followed.outputs;
            const released = {
              'release-status': status,
              'release-detail': detail,
              'release-url': url,
              'release-duration': duration,
              'failed-stage': followed.outputs['failed-stage'],
            };
            setOutputs(released);
            Object.assign(outputs, released);
            appendSummary(followed.summary);
            // The Slack part below and later steps of the job see what became of the release.
            exportVariable(awaitPart.RELEASE_VARIABLE, JSON.stringify(awaitPart.toHandoff(followed.outcome)));
            const line = `release ${status} after ${awaitPart.formatDuration(followed.outcome.durationMs)}: ${detail}`;
            if (inputs.failOn.includes(followed.outcome.status)) throw new ActionError(line);
            log.info(line);
          }
        }
      } catch (err) {
        failure = err;
      }

      if (slackPart && notify && redact) {
        if (failure || process.exitCode === 1) notify.status = 'failure';
        if (notify.fields.length === 0 && !notify.payload) {
          const facts: [string, string][] = [
            ['image', outputs['image-ref'] ?? ''],
            ['version', outputs.version ?? ''],
            ['manifests', outputs['s3-uri'] ?? ''],
          ];
          notify.fields = facts.filter(([, v]) => v);
        }
        await slackPart.slackNotify(notify, redact);
      }
      if (failure) throw failure;
      if (!push && !renderCheck) log.info('nothing pushed or rendered: only the Slack message was sent');
    },
  });
