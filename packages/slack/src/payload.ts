import { ParameterError } from '@slipway/action-kit';
import type { Attachment, Block, SlackMessage } from './message.ts';

/**
 * A payload that is not a Slack message: `reason` says what is wrong with the text given to
 * {@link parsePayload} (or the value given to {@link toMessage}), in words the author can act on.
 * The action names its input in front of it.
 */
export class PayloadError extends ParameterError {
  override readonly name = 'PayloadError';
  constructor(reason: string) {
    super('payload', reason);
  }
}

/** How to read a payload: by a file's extension, or by its first character. */
export type PayloadSyntax = 'json' | 'yaml' | 'auto';

/** The syntax a payload file's name implies. */
export function syntaxOfFile(path: string): PayloadSyntax {
  if (/\.json$/i.test(path)) return 'json';
  if (/\.ya?ml$/i.test(path)) return 'yaml';
  return 'auto';
}

async function parseYaml(text: string): Promise<unknown> {
  // Loaded only for YAML payloads, keeping the parser off the start path of JSON and default messages.
  const { parse } = await import('yaml');
  return parse(text, { prettyErrors: true });
}

const firstLineOf = (err: unknown) => ((err as Error).message ?? String(err)).split('\n')[0] ?? '';

async function parseText(text: string, syntax: PayloadSyntax): Promise<unknown> {
  const trimmed = text.trim();
  const looksJson = trimmed.startsWith('{') || trimmed.startsWith('[');
  if (syntax === 'json' || (syntax === 'auto' && looksJson)) {
    try {
      return JSON.parse(trimmed);
    } catch (jsonErr) {
      if (syntax === 'json') {
        throw new PayloadError(`is not valid JSON (${firstLineOf(jsonErr)})`);
      }
      // YAML reads most JSON-like text too (trailing commas aside), so give it a chance.
      try {
        return await parseYaml(trimmed);
      } catch {
        throw new PayloadError(`is not valid JSON or YAML (${firstLineOf(jsonErr)})`);
      }
    }
  }
  try {
    return await parseYaml(trimmed);
  } catch (err) {
    throw new PayloadError(
      `is not valid ${syntax === 'yaml' ? 'YAML' : 'JSON or YAML'} (${firstLineOf(err)})`,
    );
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkBlocks(blocks: unknown, where: string): Block[] {
  if (!Array.isArray(blocks)) throw new PayloadError(`${where} must be a list of blocks`);
  blocks.forEach((block, i) => {
    if (!isObject(block) || typeof block.type !== 'string' || !block.type) {
      throw new PayloadError(
        `${where}[${i}] is not a block: each block is a mapping with a "type" (section, header, context …)`,
      );
    }
  });
  return blocks as Block[];
}

/**
 * Checks the shape of a parsed payload and returns it as a message: a mapping with `text`,
 * `blocks` and/or `attachments` (plus any other chat.postMessage argument), or a bare list of
 * blocks. Block contents are not second-guessed; Slack's limits are applied later.
 */
export function toMessage(parsed: unknown): SlackMessage {
  if (Array.isArray(parsed)) return { blocks: checkBlocks(parsed, 'blocks') };
  if (!isObject(parsed)) {
    throw new PayloadError(
      'must be a Slack message (a mapping with text, blocks or attachments) or a list of blocks',
    );
  }
  const message: SlackMessage = { ...parsed };
  if (message.text !== undefined) {
    if (typeof message.text === 'number' || typeof message.text === 'boolean')
      message.text = String(message.text);
    if (typeof message.text !== 'string') throw new PayloadError('text must be a string');
  }
  if (message.blocks !== undefined) message.blocks = checkBlocks(message.blocks, 'blocks');
  if (message.attachments !== undefined) {
    if (!Array.isArray(message.attachments)) throw new PayloadError('attachments must be a list');
    message.attachments.forEach((a: unknown, i) => {
      if (!isObject(a)) throw new PayloadError(`attachments[${i}] must be a mapping`);
      if (a.blocks !== undefined) checkBlocks(a.blocks, `attachments[${i}].blocks`);
    });
    message.attachments = message.attachments as Attachment[];
  }
  const hasContent =
    (typeof message.text === 'string' && message.text.trim() !== '') ||
    (message.blocks?.length ?? 0) > 0 ||
    (message.attachments?.length ?? 0) > 0;
  if (!hasContent) {
    throw new PayloadError('has nothing to send: give text, blocks or attachments');
  }
  return message;
}

/**
 * Parses a payload written as JSON or YAML into a message (see {@link toMessage}). Errors are
 * PayloadErrors with the parser's reason (line and column for YAML).
 */
export async function parsePayload(text: string, syntax: PayloadSyntax = 'auto'): Promise<SlackMessage> {
  if (!text.trim()) throw new PayloadError('is empty');
  return toMessage(await parseText(text, syntax));
}
