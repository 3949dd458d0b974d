import {
  asInput,
  ActionError,
  ActionFailure,
  InputError,
  markdownTable,
  type ActionResult,
  type InputSource,
  type Logger,
  type RunContext,
} from '@slipway/action-kit';
import {
  type DeliveryResult,
  SlackDeliveryError,
  buildDefaultMessage,
  deliver,
  describeDestination,
  describeTemplateProblems,
  fitToLimits,
  parsePayload,
  runFacts,
  redactor,
  renderString,
  renderTemplates,
  summaryLine,
  templateOk,
  templateValues,
  webhookSecrets,
} from '@slipway/slack';
import type { DeploymentFacts, Destination, SlackMessage, TemplateProblems } from '@slipway/slack';
import { STARTED_AT_VARIABLE, type SlackNotifyInputs, readSecretInputs } from './inputs.ts';

/** The outputs of slack-notify, as the step writes them. */
export interface SlackNotifyOutputs extends Record<string, string> {
  ts: string;
  channel: string;
  'thread-ts': string;
}

/**
 * The token and every secret part of the webhook URL among the raw inputs: masked before any
 * other input is looked at.
 */
export function slackSecrets(source: InputSource): string[] {
  const { webhookUrl, token } = readSecretInputs(source);
  return [...(webhookUrl ? webhookSecrets(webhookUrl) : []), ...(token ? [token] : [])];
}

/** Removes the destination's secrets from a message, in case Slack or a proxy echoed one. */
function redactorOf(destination: Destination): (text: string) => string {
  return redactor(destination.kind === 'webhook' ? webhookSecrets(destination.url) : [destination.token]);
}

/** Expands templates in a title or fields value; unknown placeholders are the author's to fix. */
function expand(text: string, values: Record<string, string>, input: string): string {
  const problems: TemplateProblems = { unknown: [], expressions: [] };
  const out = renderString(text, values, 'plain', problems);
  if (!templateOk(problems)) throw new InputError(input, describeTemplateProblems(problems, values));
  return out;
}

/** The facts of this run, with the title and fields templates expanded. */
export function gatherFacts(inputs: SlackNotifyInputs, context: RunContext, now: Date): DeploymentFacts {
  const run = runFacts(context);
  const startedAt = inputs.startedAt ?? (inputs.status === 'started' ? now : undefined);
  // What became of the release, as an earlier await-release step of the job left it.
  const release = inputs.status === 'started' ? undefined : inputs.release;
  const base = {
    run,
    status: inputs.status,
    fields: [] as [string, string][],
    now,
    ...(startedAt ? { startedAt } : {}),
    ...(release ? { release } : {}),
  };
  const values = templateValues(base);
  const title = inputs.title
    ? expand(inputs.title, values, 'title')
    : run.workflow || run.repository || 'Deployment';
  const fields = inputs.fields.map(([k, v]): [string, string] => [
    k,
    expand(v, { ...values, title }, 'fields'),
  ]);
  return { ...base, title, fields };
}

/** The message to send: the payload with its templates expanded, or the default deployment message. */
export async function buildMessage(inputs: SlackNotifyInputs, facts: DeploymentFacts): Promise<SlackMessage> {
  if (!inputs.payload) return buildDefaultMessage(facts);
  const { input, text, syntax } = inputs.payload;
  const parsed: SlackMessage = await asInput(input, () => parsePayload(text, syntax));
  const values = templateValues(facts);
  const { message, problems } = renderTemplates(parsed, values);
  if (!templateOk(problems)) throw new InputError(input, describeTemplateProblems(problems, values));
  // Notifications and screen readers show `text`; Slack warns when blocks come without it.
  if (typeof message.text !== 'string' || !message.text.trim()) message.text = summaryLine(facts);
  return message;
}

/** The Slack method a delivery uses, for the summary. */
const methodOf = (inputs: SlackNotifyInputs) =>
  inputs.destination.kind === 'webhook'
    ? 'incoming webhook'
    : inputs.messageTs
      ? 'chat.update'
      : 'chat.postMessage';

/** The job summary: what was sent where, and how it went. Never the webhook URL or the token. */
function summarize(
  inputs: SlackNotifyInputs,
  where: string,
  result: DeliveryResult | undefined,
  problem?: string,
): string {
  const outcome = result
    ? result.method === 'incoming webhook'
      ? 'posted'
      : `${result.method === 'chat.update' ? 'updated' : 'posted'} ts ${result.ts} in ${result.channel}`
    : `not delivered: ${problem ?? 'unknown error'}`;
  return `### Slack notification\n\n${markdownTable(
    ['status', 'sent to', 'how', 'result'],
    [[inputs.status, where, result?.method ?? methodOf(inputs), outcome]],
  )}`;
}

/**
 * Builds the message and sends it; everything here runs after the inputs were accepted. `env`
 * receives the variables later steps of the job read.
 */
async function notify(
  inputs: SlackNotifyInputs,
  context: RunContext,
  log: Logger,
  env: Record<string, string>,
): Promise<DeliveryResult> {
  const now = new Date();
  const facts = gatherFacts(inputs, context, now);
  const built = await buildMessage(inputs, facts);
  const { message, changes } = fitToLimits(built);
  if (changes.length) {
    const shown = changes.slice(0, 5).join('; ');
    const more = changes.length > 5 ? `; and ${changes.length - 5} more` : '';
    log.warning(`the message was fitted to Slack's limits: ${shown}${more}`);
  }
  if (inputs.status === 'started' && facts.startedAt) {
    // Later slack-notify steps of this job measure their duration from here.
    env[STARTED_AT_VARIABLE] = facts.startedAt.toISOString();
  }
  const where = describeDestination(inputs.destination);
  return log.group(
    `Slack: ${inputs.messageTs ? 'updating' : 'sending'} the ${inputs.status} message (${where})`,
    () =>
      deliver(
        inputs.destination,
        {
          message,
          ...(inputs.messageTs ? { messageTs: inputs.messageTs } : {}),
          ...(inputs.threadTs ? { threadTs: inputs.threadTs } : {}),
          replyBroadcast: inputs.replyBroadcast,
        },
        { policy: inputs.policy, log },
      ),
  );
}

/**
 * Sends the notification the inputs describe and returns the outputs and the summary; a Slack
 * failure is a warning (no outputs) unless fail-on-error, which makes it an ActionFailure carrying
 * the summary. Shared by this action and the one-step root action.
 */
export async function slackNotify(
  inputs: SlackNotifyInputs,
  context: RunContext,
  log: Logger,
): Promise<ActionResult & { outputs: Partial<SlackNotifyOutputs>; summary: string }> {
  for (const note of inputs.notes) log.warning(note);
  const redact = redactorOf(inputs.destination);
  const where = describeDestination(inputs.destination);
  const env: Record<string, string> = {};
  let result: DeliveryResult;
  try {
    result = await notify(inputs, context, log, env);
  } catch (err) {
    // Template and payload problems are the author's to fix: one error line, nothing sent.
    if (err instanceof InputError) throw err;
    // Anything else must not fail a deployment unless asked to: report it, and carry on.
    const expected = err instanceof SlackDeliveryError;
    const problem = redact(
      expected
        ? err.message
        : `slack-notify failed unexpectedly: ${(err as Error)?.message ?? String(err)}. This is a bug in Slipway: please report it with the step's debug log`,
    );
    if (!expected && err instanceof Error && err.stack) log.debug(redact(err.stack));
    const failed = { outputs: {}, summary: summarize(inputs, where, undefined, problem), env };
    if (inputs.failOnError) throw new ActionFailure(problem, failed);
    log.warning(`${problem} (the step still succeeds; set fail-on-error: true to fail it)`);
    return failed;
  }
  const outputs: SlackNotifyOutputs = {
    ts: result.ts,
    channel: result.channel,
    'thread-ts': result.threadTs,
  };
  const landed = result.ts ? ` as ts ${result.ts} in ${result.channel}` : '';
  log.info(
    `Slack: ${result.method === 'chat.update' ? 'updated' : 'posted'} the ${inputs.status} message${landed}`,
  );
  return { outputs, summary: summarize(inputs, where, result), env };
}

// Answers that say Slack is busy, not that the token is wrong: the check lets the work go on.
const PASSING_CODES = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
  'rate_limited',
]);

/**
 * Checks, before the work the message will announce, that Slack takes the token: auth.test for a
 * bot token (it posts nothing). A refused token (invalid_auth, token_revoked, …) is an
 * ActionError, so the one-step action stops before it pushes anything; Slack being unreachable is
 * a warning, since the message is not the deployment. An incoming webhook cannot be checked
 * without posting to it, so it is first used for the real message.
 */
export async function checkSlackTarget(inputs: SlackNotifyInputs, log: Logger): Promise<void> {
  const destination = inputs.destination;
  const redact = redactorOf(destination);
  if (destination.kind === 'webhook') {
    log.info(
      'Slack: an incoming webhook cannot be checked without posting to it; it is first used for the message itself',
    );
    return;
  }
  const { verifyWebApiToken } = await import('@slipway/slack/web-api.ts');
  try {
    const who = await verifyWebApiToken(destination, {
      policy: { ...inputs.policy, retries: Math.min(inputs.policy.retries, 1) },
      log,
    });
    log.info(`Slack: the token is good (auth.test: ${who.user} in ${who.team})`);
  } catch (err) {
    const message = redact((err as Error).message);
    if (err instanceof SlackDeliveryError && err.code && !PASSING_CODES.has(err.code)) {
      throw new ActionError(`Slack refused the token, so nothing was done: ${message}`);
    }
    log.warning(`could not check the Slack token before starting (${message}); going on`);
  }
}
