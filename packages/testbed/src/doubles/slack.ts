import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FailureInjector,
  listen,
  parseBody,
  readBody,
  sendJson,
  sendText,
  type FailurePlan,
  type RecordedRequest,
  type RunningDouble,
} from './http-double.ts';

/**
 * Slack's documented limits the double enforces. Web API and webhooks answer `invalid_blocks`
 * for block violations, `msg_too_long` for text over 40 000 characters.
 * https://api.slack.com/reference/block-kit/blocks
 */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  headerText: 150,
  messageText: 40_000,
  fieldsPerSection: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  blockId: 255,
  attachmentsPerMessage: 100,
} as const;

/** A message as the double currently holds it (updates applied). */
export interface SlackMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
  /** 'api' (chat.postMessage) or 'webhook'. */
  via: 'api' | 'webhook';
  /** The webhook path for webhook messages. */
  webhook?: string;
  /** How many chat.update calls changed it. */
  updates: number;
  /** Earlier versions, oldest first. */
  history: { text?: string; blocks?: unknown[]; attachments?: unknown[] }[];
}

const KNOWN_BLOCKS = new Set([
  'section',
  'header',
  'divider',
  'context',
  'actions',
  'image',
  'rich_text',
  'input',
  'file',
  'video',
  'markdown',
]);

const TEAM = 'T0SLIPWAY1';
const BOT_ID = 'B0SLIPWAY1';
const USER_ID = 'U0SLIPWAY1';

function textLength(obj: unknown): number | undefined {
  if (!obj || typeof obj !== 'object') return undefined;
  const t = (obj as { text?: unknown }).text;
  return typeof t === 'string' ? [...t].length : undefined;
}

function isTextObject(obj: unknown, types: readonly string[] = ['plain_text', 'mrkdwn']): boolean {
  if (!obj || typeof obj !== 'object') return false;
  const { type, text } = obj as { type?: unknown; text?: unknown };
  return typeof type === 'string' && types.includes(type) && typeof text === 'string' && text.length > 0;
}

/** Why Slack would reject these blocks ('' when it would accept them). */
export function validateBlocks(blocks: unknown): string {
  if (!Array.isArray(blocks)) return 'blocks must be an array';
  if (blocks.length > SLACK_LIMITS.blocksPerMessage)
    return `no more than ${SLACK_LIMITS.blocksPerMessage} items allowed [json-pointer:/blocks]`;
  for (const [i, block] of blocks.entries()) {
    const where = `[json-pointer:/blocks/${i}]`;
    if (!block || typeof block !== 'object') return `must be an object ${where}`;
    const b = block as Record<string, unknown>;
    if (typeof b.type !== 'string' || !KNOWN_BLOCKS.has(b.type)) return `unknown block type ${where}`;
    if (typeof b.block_id === 'string' && b.block_id.length > SLACK_LIMITS.blockId)
      return `block_id must be less than ${SLACK_LIMITS.blockId + 1} characters ${where}`;
    switch (b.type) {
      case 'section': {
        if (b.text === undefined && b.fields === undefined) return `must provide text or fields ${where}`;
        if (b.text !== undefined) {
          if (!isTextObject(b.text)) return `invalid text object ${where}/text`;
          if ((textLength(b.text) ?? 0) > SLACK_LIMITS.sectionText)
            return `must be less than ${SLACK_LIMITS.sectionText + 1} characters ${where}/text/text`;
        }
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length === 0)
            return `fields must be a non-empty array ${where}`;
          if (b.fields.length > SLACK_LIMITS.fieldsPerSection)
            return `no more than ${SLACK_LIMITS.fieldsPerSection} items allowed ${where}/fields`;
          for (const [j, f] of b.fields.entries()) {
            if (!isTextObject(f)) return `invalid text object ${where}/fields/${j}`;
            if ((textLength(f) ?? 0) > SLACK_LIMITS.fieldText)
              return `must be less than ${SLACK_LIMITS.fieldText + 1} characters ${where}/fields/${j}/text`;
          }
        }
        break;
      }
      case 'header':
        if (!isTextObject(b.text, ['plain_text']))
          return `header text must be a plain_text object ${where}/text`;
        if ((textLength(b.text) ?? 0) > SLACK_LIMITS.headerText)
          return `must be less than ${SLACK_LIMITS.headerText + 1} characters ${where}/text/text`;
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0)
          return `elements must be a non-empty array ${where}`;
        if (b.elements.length > SLACK_LIMITS.contextElements)
          return `no more than ${SLACK_LIMITS.contextElements} items allowed ${where}/elements`;
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0)
          return `elements must be a non-empty array ${where}`;
        if (b.elements.length > SLACK_LIMITS.actionsElements)
          return `no more than ${SLACK_LIMITS.actionsElements} items allowed ${where}/elements`;
        break;
      case 'image':
        if (typeof b.alt_text !== 'string' || (typeof b.image_url !== 'string' && !b.slack_file))
          return `image needs image_url and alt_text ${where}`;
        break;
      default:
        break;
    }
  }
  return '';
}

interface MessageFields {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

/** Parses and validates message fields; returns a Slack error code or the fields. */
function readMessage(args: Record<string, unknown>): { error: string; detail?: string } | MessageFields {
  const out: MessageFields = {};
  if (args.text !== undefined && args.text !== '') out.text = String(args.text);
  for (const key of ['blocks', 'attachments'] as const) {
    let value = args[key];
    if (value === undefined || value === '') continue;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        return { error: key === 'blocks' ? 'invalid_blocks_format' : 'invalid_attachments' };
      }
    }
    if (!Array.isArray(value))
      return { error: key === 'blocks' ? 'invalid_blocks_format' : 'invalid_attachments' };
    out[key] = value;
  }
  if (out.text !== undefined && [...out.text].length > SLACK_LIMITS.messageText)
    return { error: 'msg_too_long' };
  if (out.blocks) {
    const why = validateBlocks(out.blocks);
    if (why) return { error: 'invalid_blocks', detail: why };
  }
  if (out.attachments) {
    if (out.attachments.length > SLACK_LIMITS.attachmentsPerMessage) return { error: 'too_many_attachments' };
    for (const a of out.attachments) {
      const blocks = a && typeof a === 'object' ? (a as { blocks?: unknown }).blocks : undefined;
      if (blocks !== undefined) {
        const why = validateBlocks(blocks);
        if (why) return { error: 'invalid_blocks', detail: why };
      }
    }
  }
  if (out.text === undefined && !out.blocks?.length && !out.attachments?.length) return { error: 'no_text' };
  return out;
}

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

/** Channel names map to stable IDs, like a workspace where every public channel exists. */
function channelId(name: string): string {
  const clean = name.replace(/^#/, '').toLowerCase();
  return 'C' + createHash('sha1').update(clean).digest('hex').slice(0, 9).toUpperCase();
}

/** The Slack double: Web API (chat.postMessage, chat.update, auth.test) and incoming webhooks. */
export class SlackDouble {
  readonly failures = new FailureInjector();
  requests: RecordedRequest[] = [];
  private messages = new Map<string, SlackMessage>();
  private tsCounter = 0;

  reset(): void {
    this.failures.reset();
    this.requests = [];
    this.messages.clear();
  }

  /** Messages in posting order, updates applied. */
  listMessages(channel?: string): SlackMessage[] {
    return [...this.messages.values()].filter((m) => !channel || m.channel === channel);
  }

  private nextTs(): string {
    // Slack timestamps are `seconds.microseconds`, unique per channel and increasing.
    const micros = 100 + this.tsCounter++ * 100;
    return `${1_700_000_000 + Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const path = url.pathname;
    const raw = await readBody(req);
    if (path.startsWith('/_control/')) return this.control(req.method ?? 'GET', path, url, raw, res);

    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: path + url.search,
      headers: req.headers,
      body: undefined,
      status: 200,
      at: new Date().toISOString(),
    };
    this.requests.push(record);
    const contentType = req.headers['content-type'];
    const parsed = parseBody(raw, contentType);
    record.body = parsed ?? raw.toString('utf8');

    const isWebhook = path.startsWith('/services/');
    const plan = this.failures.take(path);
    if (plan) return this.fail(plan, isWebhook, record, res);

    const reply = (status: number, body: unknown, headers?: Record<string, string>): void => {
      record.status = status;
      if (typeof body === 'string') sendText(res, status, body, headers);
      else sendJson(res, status, body, { 'x-slack-req-id': randomBytes(8).toString('hex'), ...headers });
    };

    if (isWebhook) return this.webhook(path, raw, parsed, reply);
    if (path.startsWith('/api/')) {
      const args: Record<string, unknown> = { ...Object.fromEntries(url.searchParams), ...(parsed ?? {}) };
      return this.api(path.slice('/api/'.length), args, req.headers.authorization, reply);
    }
    reply(404, 'not_found');
  }

  private fail(plan: FailurePlan, isWebhook: boolean, record: RecordedRequest, res: ServerResponse): void {
    if (plan.status === 'hang') {
      // Recorded as unanswered; the client's timeout closes the connection (or stop() does).
      record.status = 0;
      return;
    }
    if (plan.status === 'reset' || plan.status === 0) {
      record.status = 0;
      res.socket?.destroy();
      return;
    }
    const status = plan.status;
    record.status = status;
    const headers: Record<string, string> = {};
    if (plan.retryAfter !== undefined) headers['retry-after'] = String(plan.retryAfter);
    else if (status === 429) headers['retry-after'] = '1';
    const error =
      plan.error ?? (status === 429 ? (isWebhook ? 'rate_limited' : 'ratelimited') : 'internal_error');
    if (isWebhook) sendText(res, status, error, headers);
    else sendJson(res, status, { ok: false, error }, headers);
  }

  private api(
    method: string,
    args: Record<string, unknown>,
    authorization: string | undefined,
    reply: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
    const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    if (!token) return reply(200, { ok: false, error: 'not_authed' });
    if (!token.startsWith('xoxb-') || token === 'xoxb-invalid')
      return reply(200, { ok: false, error: 'invalid_auth' });
    const ok = (body: Record<string, unknown>): void =>
      reply(
        200,
        { ok: true, ...body },
        { 'x-oauth-scopes': 'chat:write,chat:write.public', 'x-accepted-oauth-scopes': 'chat:write' },
      );

    switch (method) {
      case 'auth.test':
        return ok({
          url: 'https://acme.slack.com/',
          team: 'Acme',
          user: 'slipway',
          team_id: TEAM,
          user_id: USER_ID,
          bot_id: BOT_ID,
          is_enterprise_install: false,
        });
      case 'chat.postMessage': {
        const channelArg = typeof args.channel === 'string' ? args.channel.trim() : '';
        if (!channelArg) return reply(200, { ok: false, error: 'channel_not_found' });
        const msg = readMessage(args);
        if ('error' in msg)
          return reply(200, { ok: false, error: msg.error, ...(msg.detail ? { errors: [msg.detail] } : {}) });
        const channel = CHANNEL_ID.test(channelArg) ? channelArg : channelId(channelArg);
        const ts = this.nextTs();
        const stored: SlackMessage = { channel, ts, ...msg, via: 'api', updates: 0, history: [] };
        if (typeof args.thread_ts === 'string' && args.thread_ts) stored.thread_ts = args.thread_ts;
        this.messages.set(`${channel}:${ts}`, stored);
        return ok({ channel, ts, message: this.wire(stored) });
      }
      case 'chat.update': {
        const channel = typeof args.channel === 'string' ? args.channel.trim() : '';
        // chat.update needs the channel ID chat.postMessage returned, not a name.
        if (!channel || !CHANNEL_ID.test(channel))
          return reply(200, { ok: false, error: 'channel_not_found' });
        const ts = typeof args.ts === 'string' ? args.ts : '';
        const existing = this.messages.get(`${channel}:${ts}`);
        if (!existing) return reply(200, { ok: false, error: 'message_not_found' });
        if (existing.via === 'webhook') return reply(200, { ok: false, error: 'cant_update_message' });
        const msg = readMessage(args);
        if ('error' in msg)
          return reply(200, { ok: false, error: msg.error, ...(msg.detail ? { errors: [msg.detail] } : {}) });
        existing.history.push({
          text: existing.text,
          blocks: existing.blocks,
          attachments: existing.attachments,
        });
        existing.text = msg.text;
        existing.blocks = msg.blocks;
        existing.attachments = msg.attachments;
        existing.updates++;
        return ok({ channel, ts, text: existing.text ?? '', message: this.wire(existing) });
      }
      default:
        return reply(200, { ok: false, error: 'unknown_method', req_method: method });
    }
  }

  private wire(m: SlackMessage): Record<string, unknown> {
    return {
      type: 'message',
      subtype: 'bot_message',
      text: m.text ?? '',
      ts: m.ts,
      user: USER_ID,
      bot_id: BOT_ID,
      team: TEAM,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.attachments ? { attachments: m.attachments } : {}),
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
    };
  }

  private webhook(
    path: string,
    raw: Buffer,
    parsed: Record<string, unknown> | undefined,
    reply: (status: number, body: unknown) => void,
  ): void {
    // https://api.slack.com/messaging/webhooks#handling_errors
    const m = path.match(/^\/services\/(T[A-Z0-9]+)\/(B[A-Z0-9]+)\/([A-Za-z0-9]+)$/);
    if (!m || m[3] === 'invalid' || m[3] === 'revoked') return reply(404, 'no_service');
    // Slack takes a JSON body whatever the content type (curl -d '{…}' sends it form-encoded),
    // or the form field `payload` holding JSON.
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch {
      const form = typeof parsed?.payload === 'string' ? parsed.payload : undefined;
      try {
        payload = form === undefined ? undefined : JSON.parse(form);
      } catch {
        payload = undefined;
      }
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload))
      return reply(400, 'invalid_payload');
    const msg = readMessage(payload as Record<string, unknown>);
    if ('error' in msg)
      return reply(400, msg.error === 'invalid_blocks_format' ? 'invalid_blocks' : msg.error);
    const channel = channelId(`webhook-${m[2]}`);
    const ts = this.nextTs();
    this.messages.set(`${channel}:${ts}`, {
      channel,
      ts,
      ...msg,
      via: 'webhook',
      webhook: path,
      updates: 0,
      history: [],
    });
    reply(200, 'ok');
  }

  private control(method: string, path: string, url: URL, raw: Buffer, res: ServerResponse): void {
    if (method === 'POST' && path === '/_control/fail') {
      const plan = parseBody(raw, 'application/json') as FailurePlan | undefined;
      try {
        if (!plan) throw new Error('body must be JSON {times, status, retryAfter?, error?, match?}');
        this.failures.add(plan);
      } catch (err) {
        return sendJson(res, 400, { ok: false, error: (err as Error).message });
      }
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && path === '/_control/reset') {
      this.reset();
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'GET' && path === '/_control/requests') {
      const prefix = url.searchParams.get('path');
      return sendJson(
        res,
        200,
        prefix ? this.requests.filter((r) => r.path.startsWith(prefix)) : this.requests,
      );
    }
    if (method === 'GET' && path === '/_control/messages') {
      return sendJson(res, 200, this.listMessages(url.searchParams.get('channel') ?? undefined));
    }
    sendJson(res, 404, { ok: false, error: 'unknown control endpoint' });
  }
}

/** A running Slack double. */
export interface SlackDoubleServer extends RunningDouble {
  double: SlackDouble;
}

/**
 * Starts the Slack double on a free 127.0.0.1 port. Web API at `url + 'api/'`, webhooks at
 * `url + 'services/T…/B…/…'`, control API at `url + '_control/…'` (see README). With `tls` it
 * serves HTTPS with that certificate.
 */
export async function startSlackDouble(
  opts: { tls?: { certFile: string; keyFile: string } } = {},
): Promise<SlackDoubleServer> {
  const double = new SlackDouble();
  const running = await listen((req, res) => double.handle(req, res), opts.tls);
  return { ...running, double };
}
