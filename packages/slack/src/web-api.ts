import type { Logger } from '@slipway/action-kit';
import type { LogLevel, Logger as SlackLogger, WebClient } from '@slack/web-api';
import { explainProxyRefusal, proxyFetch } from '@slipway/net';
import { explainSlackError, type SlackCall } from './errors.ts';
import type { SlackMessage } from './message.ts';
import { redactor } from './redact.ts';
import { AttemptError, type RetryPolicy, networkFailure, withSlackRetry } from './retry.ts';

/** What to send with a bot (or user) token. */
export interface WebApiRequest {
  token: string;
  /** API base URL, ending in `/api/`. */
  apiUrl: string;
  /** Channel name (`#deploys`) or ID (`C…`); updates need the ID. */
  channel: string;
  message: SlackMessage;
  /** Update this message with chat.update instead of posting a new one. */
  messageTs?: string;
  /** Post as a reply in this thread. */
  threadTs?: string;
  /** Also show the thread reply in the channel. */
  replyBroadcast?: boolean;
}

/** Where the message landed. */
export interface WebApiResult {
  ts: string;
  /** The channel ID Slack answered with. */
  channel: string;
  attempts: number;
}

// chat.update takes only these of the message arguments; the rest (thread_ts, unfurl_*, username,
// icon_*) belong to chat.postMessage and are dropped rather than sent to be ignored or refused.
const UPDATE_KEYS = ['text', 'blocks', 'attachments', 'metadata', 'parse', 'link_names', 'markdown_text'];

/** Routes the client's own log lines to debug, with the token removed. */
function slackLogger(log: Logger, redact: (text: string) => string): SlackLogger {
  const line = (msg: unknown[]) =>
    log.debug(
      redact(`slack web-api: ${msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ')}`),
    );
  return {
    debug: (...msg: unknown[]) => line(msg),
    info: (...msg: unknown[]) => line(msg),
    warn: (...msg: unknown[]) => line(msg),
    error: (...msg: unknown[]) => line(msg),
    setLevel: () => {},
    getLevel: () => 'debug' as unknown as LogLevel,
    setName: () => {},
  };
}

interface WebApiErrorShape {
  code?: string;
  message?: string;
  retryAfter?: number;
  statusCode?: number;
  original?: unknown;
  data?: { error?: string; needed?: string; errors?: unknown[]; response_metadata?: { messages?: string[] } };
}

const TRANSIENT_CODES = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** Sorts an error thrown by WebClient into retry, wait or stop, with a message for people. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function classify(err: unknown, call: SlackCall, apiUrl: string, timeoutMs: number): AttemptError {
  const e = err as WebApiErrorShape;
  switch (e?.code) {
    case 'slack_webapi_rate_limited_error':
      return new AttemptError(
        `Slack answered HTTP 429 Too Many Requests, Retry-After ${e.retryAfter} s`,
        'rate-limited',
        { retryAfterMs: (e.retryAfter ?? 0) * 1000, status: 429 },
      );
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      if (code === 'ratelimited' || code === 'rate_limited') {
        return new AttemptError(`Slack answered ${code}`, 'rate-limited', { code });
      }
      if (TRANSIENT_CODES.has(code)) return new AttemptError(`Slack answered ${code}`, 'transient', { code });
      const explanation = explainSlackError(code, {
        ...call,
        needed: e.data?.needed,
        // Slack puts block errors in response_metadata.messages, and (for invalid_blocks) in errors too.
        details: e.data?.response_metadata?.messages ?? e.data?.errors?.map(String),
      });
      return new AttemptError(`Slack answered ${code}: ${explanation}`, 'refused', { code });
    }
    case 'slack_webapi_http_error': {
      const status = e.statusCode ?? 0;
      const proxyRefusal = explainProxyRefusal(status);
      if (proxyRefusal) return new AttemptError(proxyRefusal, 'refused', { status });
      if (status >= 500) return new AttemptError(`Slack answered HTTP ${status}`, 'transient', { status });
      return new AttemptError(
        `Slack answered HTTP ${status} at ${apiUrl}${call.method}; if SLACK_API_URL is set, check that it points at a Slack API base ending in /api/`,
        'refused',
        { status },
      );
    }
    case 'slack_webapi_request_error':
      return networkFailure(e.original ?? err, timeoutMs, hostOf(apiUrl));
  }
  // A 429 without a usable Retry-After reaches here as a plain error from the client.
  if (/Retry header did not contain a valid timeout/.test(e?.message ?? '')) {
    return new AttemptError(
      'Slack answered HTTP 429 Too Many Requests without a Retry-After',
      'rate-limited',
      {
        status: 429,
      },
    );
  }
  throw err;
}

/**
 * A maker of Web API clients, one per attempt, so each attempt gets the time the step has left
 * (its timeout input), not a timeout fixed when the first attempt started. Requests go through the
 * proxy-aware fetch; the client's own retries are off (see {@link sendWithWebApi}).
 */
async function webClients(
  req: { token: string; apiUrl: string },
  log: Logger,
  redact: (text: string) => string,
): Promise<(timeoutMs: number) => WebClient> {
  const { WebClient: Client } = await import('@slack/web-api');
  return (timeoutMs) =>
    new Client(req.token, {
      slackApiUrl: req.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: timeoutMs,
      fetch: proxyFetch,
      logger: slackLogger(log, redact),
    });
}

/**
 * Posts (chat.postMessage) or updates (chat.update) a message through `@slack/web-api`, loaded only
 * here so its code stays off the action's start path. The client's own retries are off
 * (`retries: 0`, `rejectRateLimitedCalls`): its default policy retries for up to half an hour,
 * which a deployment step must never do; {@link withSlackRetry} applies the step's bounded policy.
 */
export async function sendWithWebApi(
  req: WebApiRequest,
  opts: { policy: RetryPolicy; log: Logger },
): Promise<WebApiResult> {
  const redact = redactor([req.token]);
  const clientFor = await webClients(req, opts.log, redact);
  const method = req.messageTs ? 'chat.update' : 'chat.postMessage';
  const call: SlackCall = { method, channel: req.channel, ts: req.messageTs };
  const args: Record<string, unknown> = { channel: req.channel };
  if (req.messageTs) {
    args.ts = req.messageTs;
    for (const key of UPDATE_KEYS) if (req.message[key] !== undefined) args[key] = req.message[key];
  } else {
    Object.assign(args, req.message, { channel: req.channel });
    if (req.threadTs) {
      args.thread_ts = req.threadTs;
      if (req.replyBroadcast) args.reply_broadcast = true;
    }
  }
  const where = req.messageTs
    ? `updating message ${req.messageTs} in ${req.channel}`
    : `posting to ${req.channel}`;
  const { result, attempts } = await withSlackRetry(
    `${method} (${where})`,
    async (timeoutMs) => {
      const client = clientFor(timeoutMs);
      try {
        return req.messageTs
          ? await client.chat.update(args as unknown as Parameters<WebClient['chat']['update']>[0])
          : await client.chat.postMessage(args as unknown as Parameters<WebClient['chat']['postMessage']>[0]);
      } catch (err) {
        const failure = classify(err, call, req.apiUrl, timeoutMs);
        throw new AttemptError(redact(failure.message), failure.kind, failure.details);
      }
    },
    opts.policy,
    opts.log,
  );
  return { ts: String(result.ts ?? ''), channel: String(result.channel ?? req.channel), attempts };
}

/** Who a token belongs to, as auth.test says. */
export interface TokenIdentity {
  team: string;
  user: string;
}

/**
 * Checks a bot (or user) token with auth.test, which posts nothing, so a caller can learn that
 * the token is refused before it does work it would then fail to announce. Throws
 * SlackDeliveryError with Slack's answer explained (invalid_auth, token_revoked, …). The channel
 * cannot be checked without a scope most deploy bots lack (channels:read), so only the token is.
 */
export async function verifyWebApiToken(
  req: { token: string; apiUrl: string },
  opts: { policy: RetryPolicy; log: Logger },
): Promise<TokenIdentity> {
  const redact = redactor([req.token]);
  const clientFor = await webClients(req, opts.log, redact);
  const call: SlackCall = { method: 'auth.test' };
  const { result } = await withSlackRetry(
    'auth.test (checking the token)',
    async (timeoutMs) => {
      try {
        return await clientFor(timeoutMs).auth.test();
      } catch (err) {
        const failure = classify(err, call, req.apiUrl, timeoutMs);
        throw new AttemptError(redact(failure.message), failure.kind, failure.details);
      }
    },
    opts.policy,
    opts.log,
  );
  return { team: String(result.team ?? ''), user: String(result.user ?? '') };
}
