// The one-step root action: push an image (ecr-push), render and publish its manifests
// (render-manifest), follow the release until it is live (await-release), tell Slack
// (slack-notify) — the same work functions and inputs as the single actions, run in one process
// with the outputs and the summary written once. Every part's inputs are validated before any
// part does anything.
import {
  ActionError,
  ActionFailure,
  InputError,
  Inputs,
  defineAction,
  type ActionResult,
  type InputSource,
  type Logger,
  type RunContext,
} from '@slipway/action-kit';
import { RELEASE_VARIABLE, parseHandoff } from '@slipway/release/handoff';
import type { AwaitReleaseInputs } from '../actions/await-release/src/inputs.ts';
import type { EcrPushInputs } from '../actions/ecr-push/src/inputs.ts';
import type { RenderManifestInputs } from '../actions/render-manifest/src/inputs.ts';
import type { SlackNotifyInputs } from '../actions/slack-notify/src/inputs.ts';
// Each part's code is loaded only when its inputs switch it on, keeping the start path small.
const loadPush = async () => ({
  ...(await import('../actions/ecr-push/src/inputs.ts')),
  ...(await import('../actions/ecr-push/src/ecr-push.ts')),
});
const loadRender = async () => ({
  ...(await import('../actions/render-manifest/src/inputs.ts')),
  ...(await import('../actions/render-manifest/src/render-manifest.ts')),
});
const loadAwait = async () => ({
  ...(await import('../actions/await-release/src/inputs.ts')),
  ...(await import('../actions/await-release/src/await-release.ts')),
});
const loadSlack = async () => ({
  ...(await import('../actions/slack-notify/src/inputs.ts')),
  ...(await import('../actions/slack-notify/src/slack-notify.ts')),
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

type AwaitPart = Awaited<ReturnType<typeof loadAwait>>;

/** Reads await-release's inputs, naming a bad one as the root action calls it. */
function readAwaitInputs(part: AwaitPart, source: InputSource, context: RunContext): AwaitReleaseInputs {
  try {
    return part.readInputs(source, context);
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

const given = (source: InputSource, name: string) => Boolean(source.get(name)?.trim());

/** The validated inputs of every part the root's inputs switch on. */
interface SlipwayInputs {
  source: InputSource;
  push?: { part: Awaited<ReturnType<typeof loadPush>>; inputs: EcrPushInputs };
  /** `check` was read with a stand-in image; the real one is read again after the push. */
  render?: { part: Awaited<ReturnType<typeof loadRender>>; check: RenderManifestInputs };
  /** The release is followed when one is published: a bucket, no dry run, wait-for-release on. */
  follow?: AwaitPart;
  notify?: { part: Awaited<ReturnType<typeof loadSlack>>; inputs: SlackNotifyInputs };
}

/** Reads and checks the inputs of every part before anything is done. */
async function readInputs(source: InputSource, context: RunContext): Promise<SlipwayInputs> {
  const slackPart = given(source, 'webhook-url') || given(source, 'token') ? await loadSlack() : undefined;
  if (!given(source, 'source') && !given(source, 'templates') && !slackPart) {
    throw new InputError(
      'source',
      'nothing to do: give source to push an image, templates to render and publish manifests, and webhook-url or token to tell Slack',
    );
  }
  if (given(source, 'source') && given(source, 'image')) {
    throw new InputError(
      'image',
      'is for manifests of an image pushed elsewhere; with source, the manifests use the image just pushed, so leave image empty',
    );
  }
  const pushPart = given(source, 'source') ? await loadPush() : undefined;
  const renderPart = given(source, 'templates') ? await loadRender() : undefined;
  const push = pushPart?.readInputs(source, context);
  // Until the push, the image is a stand-in of the same shape: every template is rendered and
  // every manifest validated now, and again for real after the push.
  const standIn = push ? { image: `${push.repository}@sha256:${'0'.repeat(64)}` } : {};
  const check = renderPart ? await renderPart.readInputs(withValues(source, standIn), context) : undefined;
  const waits =
    Boolean(check?.publish) && !check?.dryRun && new Inputs(source).boolean('wait-for-release', true);
  const follow = waits ? await loadAwait() : undefined;
  if (follow && check) readAwaitInputs(follow, awaitSource(source, check, 'pending'), context);
  const notify = slackPart ? await slackPart.readInputs(source, context) : undefined;
  // The message's templates and payload are checked by building it once.
  if (slackPart && notify)
    await slackPart.buildMessage(notify, slackPart.gatherFacts(notify, context, new Date()));
  return {
    source,
    ...(pushPart && push ? { push: { part: pushPart, inputs: push } } : {}),
    ...(renderPart && check ? { render: { part: renderPart, check } } : {}),
    ...(follow ? { follow } : {}),
    ...(slackPart && notify ? { notify: { part: slackPart, inputs: notify } } : {}),
  };
}

/** The outputs, summaries and variables of the parts that ran, in order. */
class Collected {
  readonly outputs: Record<string, string> = {};
  readonly summaries: string[] = [];
  readonly env: Record<string, string> = {};

  take(result: ActionResult<unknown>, rename: (name: string) => string = (name) => name): void {
    for (const [name, value] of Object.entries(result.outputs)) {
      if (value !== undefined) this.outputs[rename(name)] = String(value);
    }
    if (result.summary)
      this.summaries.push(result.summary.endsWith('\n') ? result.summary : `${result.summary}\n`);
    Object.assign(this.env, result.env);
  }

  /** Takes a part's result, also when the part failed after its work (ActionFailure). */
  async part<R extends ActionResult<unknown>>(
    work: () => Promise<R>,
    rename?: (name: string) => string,
  ): Promise<R> {
    try {
      const result = await work();
      this.take(result, rename);
      return result;
    } catch (err) {
      if (err instanceof ActionFailure) this.take(err.result, rename);
      throw err;
    }
  }

  result(): ActionResult {
    return { outputs: this.outputs, summary: this.summaries.join(''), env: this.env };
  }
}

/** await-release's outputs as the root names them. */
const RELEASE_OUTPUTS: Record<string, string> = {
  status: 'release-status',
  detail: 'release-detail',
  url: 'release-url',
  duration: 'release-duration',
  'failed-stage': 'failed-stage',
};
const releaseOutput = (name: string) => RELEASE_OUTPUTS[name] ?? name;

/** The work of the root action: every part that is switched on, in order; Slack last, always. */
async function slipway(p: SlipwayInputs, context: RunContext, log: Logger): Promise<ActionResult> {
  const { push, render, follow, notify } = p;
  if (render) await render.part.renderAndValidate(render.check, log);
  // The targets, before anything changes: the bucket the release goes to and the Slack token
  // that announces it. A push followed by a refused publish or message is half-done work.
  if (render) await render.part.checkPublishTarget(render.check, log);
  if (notify) await notify.part.checkSlackTarget(notify.inputs, log);

  const done = new Collected();
  let failure: unknown;
  try {
    if (push) await done.part(() => push.part.ecrPush(push.inputs, context, log));
    if (render) {
      const inputs = push
        ? await render.part.readInputs(withValues(p.source, { image: done.outputs['image-ref'] }), context)
        : render.check;
      // The version of the check is the release's, so both runs name the same release.
      inputs.version = render.check.version;
      await done.part(() => render.part.renderManifest(inputs, context, log));
      if (follow) {
        const versionId = done.outputs['artifact-version-id'] ?? '';
        if (!versionId) {
          throw new ActionError(
            'the release cannot be followed: the bucket gave the artifact no version ID (turn on versioning, which CodePipeline needs anyway, or set wait-for-release: false)',
          );
        }
        const awaitInputs = readAwaitInputs(follow, awaitSource(p.source, inputs, versionId), context);
        await log.group(`Follow the release ${inputs.version} until it is live`, () =>
          done.part(() => follow.runAwaitRelease(awaitInputs, context, log), releaseOutput),
        );
      }
    }
  } catch (err) {
    failure = err;
  }

  if (notify) {
    const message = notify.inputs;
    if (failure) message.status = 'failure';
    if (message.fields.length === 0 && !message.payload) {
      const facts: [string, string][] = [
        ['image', done.outputs['image-ref'] ?? ''],
        ['version', done.outputs.version ?? ''],
        ['manifests', done.outputs['s3-uri'] ?? ''],
      ];
      message.fields = facts.filter(([, v]) => v);
    }
    // The message says what became of the release just followed.
    const release = parseHandoff(done.env[RELEASE_VARIABLE]);
    if (release) message.release = release;
    try {
      await done.part(() => notify.part.slackNotify(message, context, log));
    } catch (err) {
      // A Slack failure the inputs made fatal (fail-on-error) is what the step reports.
      failure = err;
    }
  }
  if (failure) throw ActionFailure.after(failure, done.result());
  if (!push && !render) log.info('nothing pushed or rendered: only the Slack message was sent');
  return done.result();
}

export default defineAction('slipway', {
  // The Slack secrets first: masked before any other input is even looked at.
  async secrets(source) {
    if (!given(source, 'webhook-url') && !given(source, 'token')) return [];
    return (await loadSlack()).slackSecrets(source);
  },
  readInputs,
  run: slipway,
});
