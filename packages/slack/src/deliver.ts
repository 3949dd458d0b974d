import type { Logger } from '@slipway/action-kit';
import type { SlackMessage } from './message.ts';
import type { RetryPolicy } from './retry.ts';
import { sendToWebhook, webhookHost } from './webhook.ts';

/** Slack's Web API base; `SLACK_API_URL` replaces it for tests, proxies and GovSlack. */
export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

/** Where a message goes: an incoming webhook, or a channel through the Web API with a token. */
export type Destination =
  { kind: 'webhook'; url: string } | { kind: 'api'; token: string; channel: string; apiUrl: string };

/** What to send and how it relates to earlier messages. */
export interface Delivery {
  message: SlackMessage;
  /** Update this message in place (Web API only). */
  messageTs?: string;
  /** Reply in this thread. */
  threadTs?: string;
  replyBroadcast?: boolean;
}

/** Where the message landed. Webhooks answer only `ok`, so `ts` and `channel` are empty for them. */
export interface DeliveryResult {
  ts: string;
  channel: string;
  /** The thread later replies should use: the given thread, else the message itself. */
  threadTs: string;
  attempts: number;
  /** `chat.postMessage`, `chat.update` or `incoming webhook`. */
  method: string;
}

/** A description of the destination that is safe to print (never the URL or the token). */
export function describeDestination(dest: Destination): string {
  return dest.kind === 'webhook' ? `incoming webhook (${webhookHost(dest.url)})` : dest.channel;
}

/**
 * Sends a message under a bounded retry policy. Throws SlackDeliveryError when Slack refuses it or
 * cannot be reached in time; the message names Slack's error code and what to do about it.
 */
export async function deliver(
  dest: Destination,
  delivery: Delivery,
  opts: { policy: RetryPolicy; log: Logger },
): Promise<DeliveryResult> {
  if (dest.kind === 'webhook') {
    const { attempts } = await sendToWebhook(dest.url, delivery.message, { ...delivery, ...opts });
    return { ts: '', channel: '', threadTs: delivery.threadTs ?? '', attempts, method: 'incoming webhook' };
  }
  // The Web API client is loaded only on this path, after the inputs were checked.
  const { sendWithWebApi } = await import('./web-api.ts');
  const result = await sendWithWebApi({ ...dest, ...delivery }, opts);
  return {
    ...result,
    threadTs: delivery.threadTs ?? result.ts,
    method: delivery.messageTs ? 'chat.update' : 'chat.postMessage',
  };
}
