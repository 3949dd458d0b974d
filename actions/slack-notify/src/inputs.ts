import { existsSync, readFileSync, statSync } from 'node:fs';
import { ActionError, InputError, Inputs, quote, resolveInWorkspace } from '@slipway/action-kit';
import type { InputSource, RunContext } from '@slipway/action-kit';
import { RELEASE_VARIABLE, parseHandoff, type ReleaseHandoff } from '@slipway/release/handoff';
import {
  DEFAULT_SLACK_API_URL,
  type DeploymentStatus,
  type Destination,
  type PayloadSyntax,
  type RetryPolicy,
  STATUSES,
  parseStartTime,
  parseStatus,
  syntaxOfFile,
} from '@slipway/slack';

/** The environment variable an earlier `status: started` step leaves for the duration of later ones. */
export const STARTED_AT_VARIABLE = 'SLIPWAY_SLACK_STARTED_AT';

/** A payload as given: its text, the input it came from, and how to parse it. */
export interface PayloadSource {
  input: 'payload' | 'payload-file';
  text: string;
  syntax: PayloadSyntax;
}

/** The validated inputs of slack-notify. */
export interface SlackNotifyInputs {
  destination: Destination;
  status: DeploymentStatus;
  /** Title template; empty means the workflow name. */
  title: string;
  /** `fields` entries in order, values as strings (templates not yet expanded). */
  fields: [string, string][];
  payload?: PayloadSource;
  messageTs?: string;
  threadTs?: string;
  replyBroadcast: boolean;
  startedAt?: Date;
  failOnError: boolean;
  policy: RetryPolicy;
  /** Input problems that do not stop the step, e.g. a channel given with a webhook. */
  notes: string[];
  /** What became of the release, as an earlier await-release step of the job left it. */
  release?: ReleaseHandoff;
}

const TS = /^\d{9,11}\.\d{1,9}$/;

/** The two secret inputs, raw: read first so they can be masked before anything else runs. */
export function readSecretInputs(source?: InputSource): { webhookUrl?: string; token?: string } {
  const inputs = new Inputs(source);
  return { webhookUrl: inputs.optional('webhook-url'), token: inputs.optional('token') };
}

function readDestination(inputs: Inputs, env: NodeJS.ProcessEnv, notes: string[]): Destination {
  const webhookUrl = inputs.optional('webhook-url');
  const token = inputs.optional('token');
  const channel = inputs.optional('channel');
  if (!webhookUrl && !token) {
    throw new InputError(
      'webhook-url',
      'neither webhook-url nor token was given; pass an incoming webhook URL as webhook-url, or a bot token (xoxb-…, scope chat:write) as token with a channel',
    );
  }
  if (webhookUrl && token) {
    throw new InputError(
      'token',
      'and webhook-url were both given; pass one of them: token with channel, or webhook-url',
    );
  }
  if (webhookUrl) {
    // The value is a secret: the message describes it but never shows it.
    let url: URL | undefined;
    try {
      url = new URL(webhookUrl);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new InputError(
        'webhook-url',
        'is not an http(s) URL; use the incoming webhook URL from the Slack app settings, https://hooks.slack.com/services/…',
      );
    }
    if (channel) {
      notes.push(
        `channel ${channel} is ignored: an incoming webhook always posts to the channel it was created for`,
      );
    }
    return { kind: 'webhook', url: webhookUrl };
  }
  const secret = token as string;
  if (/^https?:\/\//i.test(secret)) {
    throw new InputError(
      'token',
      'is a URL; an incoming webhook URL goes in webhook-url, a bot token (xoxb-…) in token',
    );
  }
  if (/\s/.test(secret)) {
    throw new InputError('token', 'contains whitespace; pass the bot token (xoxb-…) alone');
  }
  if (!channel) {
    throw new InputError('channel', 'is required with token: a channel name (#deploys) or ID (C0123456789)');
  }
  const apiUrl = readApiUrl(env);
  return { kind: 'api', token: secret, channel, apiUrl };
}

function readApiUrl(env: NodeJS.ProcessEnv): string {
  const value = env.SLACK_API_URL?.trim();
  if (!value) return DEFAULT_SLACK_API_URL;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ActionError(
      `SLACK_API_URL ${quote(value)} is not a URL; use a Slack API base such as https://slack.com/api/`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ActionError(
      `SLACK_API_URL ${quote(value)} is not an http(s) URL; use e.g. https://slack.com/api/`,
    );
  }
  return value.endsWith('/') ? value : `${value}/`;
}

function readStatus(inputs: Inputs): DeploymentStatus {
  const value = inputs.optional('status');
  const allowed = `use one of ${STATUSES.join(', ')} (GitHub's job.status, steps.<id>.outcome and needs.<job>.result values work as they are)`;
  if (value === undefined) throw new InputError('status', `is empty; ${allowed}`);
  const status = parseStatus(value);
  if (!status) throw new InputError('status', `${quote(value)} is not a status; ${allowed}`);
  return status;
}

function readTs(inputs: Inputs, name: 'message-ts' | 'thread-ts'): string | undefined {
  const value = inputs.optional(name);
  if (value !== undefined && !TS.test(value)) {
    throw new InputError(
      name,
      `${quote(value)} is not a Slack message timestamp; use the ts output of the step that posted the message, e.g. 1712345678.123456`,
    );
  }
  return value;
}

function readPayload(inputs: Inputs, env: NodeJS.ProcessEnv): PayloadSource | undefined {
  const inline = inputs.optional('payload');
  const file = inputs.optional('payload-file');
  if (inline !== undefined && file !== undefined) {
    throw new InputError('payload-file', 'and payload were both given; pass the message in one of them');
  }
  if (inline !== undefined) return { input: 'payload', text: inline, syntax: 'auto' };
  if (file === undefined) return undefined;
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const path = resolveInWorkspace('payload-file', file, {
    workspace,
    allowOutside: inputs.boolean('allow-outside-workspace', false),
  });
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new InputError(
      'payload-file',
      `${quote(file)} is not a file (looked at ${path}; relative paths start at the workspace, so check out the repository first)`,
    );
  }
  return { input: 'payload-file', text: readFileSync(path, 'utf8'), syntax: syntaxOfFile(path) };
}

/**
 * A `fields` value as text. A mapping is a mistake of YAML quoting, not a value: `sha: {{
 * short_sha }}` unquoted is the mapping `{"{ short_sha }": null}`, which would reach Slack as
 * text nobody wrote, so it is an input error. An empty value (null) is shown empty with a
 * warning rather than refused: `version: ${{ steps.push.outputs.version }}` is empty when the
 * push failed, and the failure message must still go out.
 */
function fieldText(name: string, value: unknown, notes: string[]): string {
  if (value === null || value === undefined) {
    notes.push(
      `fields: ${quote(name)} has no value (YAML read it as null), so it is shown empty; if it was meant to hold text, quote it, e.g. ${name}: "{{ short_sha }}"`,
    );
    return '';
  }
  if (typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
    throw new InputError(
      'fields',
      `the value of ${quote(name)} is a mapping (${JSON.stringify(value)}), not text: YAML reads an unquoted {{ … }} as a mapping; quote the value, e.g. ${name}: "{{ short_sha }}"`,
    );
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/**
 * Reads and validates every input before anything is sent. Errors name the input, the bad value
 * (never for webhook-url or token, which are secrets) and the accepted form. What earlier steps of
 * the job left (the start time, the release's outcome) and the workspace come from the environment.
 */
export async function readInputs(
  source: InputSource,
  _context: RunContext,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SlackNotifyInputs> {
  const inputs = new Inputs(source);
  const notes: string[] = [];
  const destination = readDestination(inputs, env, notes);
  const status = readStatus(inputs);
  const messageTs = readTs(inputs, 'message-ts');
  const threadTs = readTs(inputs, 'thread-ts');
  if (messageTs && destination.kind === 'webhook') {
    throw new InputError(
      'message-ts',
      'needs token and channel: an incoming webhook can post but not update messages; use a bot token to update in place',
    );
  }
  const replyBroadcast = inputs.boolean('reply-broadcast', false);
  const title = inputs.string('title');
  const fields = Object.entries(await inputs.map('fields')).map(([k, v]): [string, string] => [
    k,
    fieldText(k, v, notes),
  ]);
  const payload = readPayload(inputs, env);

  const startedText = inputs.optional('started-at') ?? env[STARTED_AT_VARIABLE]?.trim();
  let startedAt: Date | undefined;
  if (startedText) {
    startedAt = parseStartTime(startedText);
    if (!startedAt) {
      throw new InputError(
        'started-at',
        `${quote(startedText)} is not a time; use ISO 8601 (2024-05-01T12:00:00Z, date -u +%FT%TZ) or Unix seconds (date +%s)`,
      );
    }
  }

  const release = parseHandoff(env[RELEASE_VARIABLE]);
  const retries = inputs.integer('retries', { default: 3, min: 0, max: 10 }) ?? 3;
  const timeoutMs = inputs.duration('timeout', '60s') ?? 60_000;
  if (timeoutMs < 1000 || timeoutMs > 600_000) {
    throw new InputError('timeout', `${quote(inputs.string('timeout'))} is out of range; use from 1s to 10m`);
  }
  return {
    destination,
    status,
    title,
    fields,
    ...(payload ? { payload } : {}),
    ...(messageTs ? { messageTs } : {}),
    ...(threadTs ? { threadTs } : {}),
    replyBroadcast,
    ...(startedAt ? { startedAt } : {}),
    failOnError: inputs.boolean('fail-on-error', false),
    policy: { retries, timeoutMs },
    notes,
    ...(release ? { release } : {}),
  };
}
