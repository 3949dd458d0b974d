import type { Logger } from '@slipway/action-kit';
import { explainSlackError } from './errors.ts';
import type { SlackMessage } from './message.ts';
import { redactor, webhookSecrets } from './redact.ts';
import { AttemptError, type RetryPolicy, networkFailure, parseRetryAfter, withSlackRetry } from './retry.ts';

/** The host of a webhook URL, the only part of it that may be printed. */
export function webhookHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

/**
 * Posts a message to an incoming webhook with a plain fetch (through the proxy the environment
 * names), not `@slack/webhook`: that client does
 * not retry 429 and would hide the Retry-After header, and the webhook protocol is one JSON POST
 * answered `ok` or an error code in plain text
 * (https://api.slack.com/messaging/webhooks#handling_errors). `threadTs` replies in a thread.
 */
export async function sendToWebhook(
  url: string,
  message: SlackMessage,
  opts: { threadTs?: string; replyBroadcast?: boolean; policy: RetryPolicy; log: Logger },
): Promise<{ attempts: number }> {
  const redact = redactor(webhookSecrets(url));
  const payload: SlackMessage = { ...message };
  if (opts.threadTs) {
    payload.thread_ts = opts.threadTs;
    if (opts.replyBroadcast) payload.reply_broadcast = true;
  }
  const body = JSON.stringify(payload);
  const { attempts } = await withSlackRetry(
    `posting to the incoming webhook at ${webhookHost(url)}`,
    async (timeoutMs) => {
      const { explainProxyRefusal, proxyFetch } = await import('@slipway/net');
      let res: Response;
      try {
        res = await proxyFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const failure = networkFailure(err, timeoutMs, webhookHost(url));
        throw new AttemptError(redact(failure.message), failure.kind, failure.details);
      }
      const text = redact((await res.text().catch(() => '')).trim());
      if (res.ok) return;
      const code = /^[a-z_]{2,64}$/.test(text) ? text : undefined;
      const said = code ?? (text ? JSON.stringify(text.slice(0, 200)) : '');
      if (res.status === 429) {
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        const wait = retryAfterMs === undefined ? '' : `, Retry-After ${Math.round(retryAfterMs / 1000)} s`;
        throw new AttemptError(`Slack answered HTTP 429 Too Many Requests${wait}`, 'rate-limited', {
          retryAfterMs,
          status: 429,
        });
      }
      const proxyRefusal = explainProxyRefusal(res.status);
      if (proxyRefusal) throw new AttemptError(proxyRefusal, 'refused', { status: res.status });
      if (res.status >= 500) {
        throw new AttemptError(`Slack answered HTTP ${res.status}${said ? ` ${said}` : ''}`, 'transient', {
          code,
          status: res.status,
        });
      }
      const why = code ? `: ${explainSlackError(code, { method: 'incoming webhook' })}` : '';
      throw new AttemptError(
        `Slack refused the message: HTTP ${res.status}${said ? ` ${said}` : ''}${why}`,
        'refused',
        {
          code,
          status: res.status,
        },
      );
    },
    opts.policy,
    opts.log,
  );
  return { attempts };
}
