import type { Block, SlackMessage } from './message.ts';
import { truncateText } from './mrkdwn.ts';

/**
 * Slack's documented limits for messages and Block Kit
 * (https://api.slack.com/reference/block-kit/blocks, https://api.slack.com/methods/chat.postMessage).
 */
export const SLACK_LIMITS = {
  /** Blocks in one message, top level and attachments together. */
  blocks: 50,
  /** Characters of a section's text. */
  sectionText: 3000,
  /** Fields in one section. */
  sectionFields: 10,
  /** Characters of one section field. */
  fieldText: 2000,
  /** Characters of a header's text. */
  headerText: 150,
  /** Elements of a context block. */
  contextElements: 10,
  /** Elements of an actions block. */
  actionsElements: 25,
  /** Characters of any other text object. */
  textObject: 3000,
  /** Characters of a button's text. */
  buttonText: 75,
  /** Characters of an image's alt_text and title. */
  imageText: 2000,
  /** Characters of all `markdown` blocks together. */
  markdownTotal: 12_000,
  /** Characters of text in the whole message. */
  messageText: 40_000,
} as const;

/** What {@link fitToLimits} returns: the fitted message and one line per change made. */
export interface FitResult {
  message: SlackMessage;
  changes: string[];
}

type Format = 'mrkdwn' | 'plain';

/** A text-holding object found in the message, with where it is and how it may be cut. */
interface TextSlot {
  holder: Record<string, unknown>;
  key: string;
  path: string;
  format: Format;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const formatOf = (obj: Record<string, unknown>): Format => (obj.type === 'plain_text' ? 'plain' : 'mrkdwn');

class Fitter {
  readonly changes: string[] = [];

  cut(holder: Record<string, unknown>, key: string, max: number, path: string, format: Format): void {
    const value = holder[key];
    if (typeof value !== 'string' || value.length <= max) return;
    holder[key] = truncateText(value, max, format);
    this.changes.push(`${path} shortened from ${value.length} to ${max} characters`);
  }

  cutTextObject(obj: unknown, max: number, path: string): void {
    if (isObject(obj)) this.cut(obj, 'text', max, `${path}.text`, formatOf(obj));
  }

  /** Fits one block; returns the blocks it becomes (a section with too many fields becomes several). */
  block(block: Block, path: string): Block[] {
    switch (block.type) {
      case 'section': {
        this.cutTextObject(block.text, SLACK_LIMITS.sectionText, `${path}.text`);
        if (!Array.isArray(block.fields)) return [block];
        block.fields.forEach((f, i) => this.cutTextObject(f, SLACK_LIMITS.fieldText, `${path}.fields[${i}]`));
        if (block.fields.length <= SLACK_LIMITS.sectionFields) return [block];
        // Extra fields go to following sections rather than being lost.
        const all = block.fields;
        const out: Block[] = [];
        for (let i = 0; i < all.length; i += SLACK_LIMITS.sectionFields) {
          out.push(
            i === 0
              ? { ...block, fields: all.slice(0, SLACK_LIMITS.sectionFields) }
              : { type: 'section', fields: all.slice(i, i + SLACK_LIMITS.sectionFields) },
          );
        }
        this.changes.push(
          `${path} had ${all.length} fields; split into ${out.length} sections of at most ${SLACK_LIMITS.sectionFields}`,
        );
        return out;
      }
      case 'header':
        this.cutTextObject(block.text, SLACK_LIMITS.headerText, `${path}.text`);
        return [block];
      case 'context':
      case 'actions': {
        if (!Array.isArray(block.elements)) return [block];
        const max = block.type === 'context' ? SLACK_LIMITS.contextElements : SLACK_LIMITS.actionsElements;
        let elements: unknown[] = block.elements;
        if (elements.length > max) {
          this.changes.push(`${path} had ${elements.length} elements; kept the first ${max}`);
          elements = block.elements = elements.slice(0, max);
        }
        elements.forEach((e, i) => {
          if (block.type === 'context')
            this.cutTextObject(e, SLACK_LIMITS.textObject, `${path}.elements[${i}]`);
          else if (isObject(e) && e.type === 'button') {
            this.cutTextObject(e.text, SLACK_LIMITS.buttonText, `${path}.elements[${i}].text`);
          }
        });
        return [block];
      }
      case 'image':
        this.cut(block, 'alt_text', SLACK_LIMITS.imageText, `${path}.alt_text`, 'plain');
        this.cutTextObject(block.title, SLACK_LIMITS.imageText, `${path}.title`);
        return [block];
      default:
        return [block];
    }
  }

  blocks(blocks: Block[], path: string): Block[] {
    return blocks.flatMap((b, i) => this.block(b, `${path}[${i}]`));
  }
}

/** Whether a legacy attachment shows something without its blocks. */
function hasOwnContent(a: Record<string, unknown>): boolean {
  return ['text', 'fallback', 'pretext', 'title', 'fields', 'image_url'].some(
    (k) => a[k] !== undefined && a[k] !== '',
  );
}

/** Every string Slack counts as message text, with where it lives (used for the 40 000 total). */
function textSlots(message: SlackMessage): TextSlot[] {
  const slots: TextSlot[] = [];
  if (typeof message.text === 'string') {
    slots.push({
      holder: message,
      key: 'text',
      path: 'text',
      format: message.mrkdwn === false ? 'plain' : 'mrkdwn',
    });
  }
  const visit = (node: unknown, path: string) => {
    if (Array.isArray(node)) node.forEach((n, i) => visit(n, `${path}[${i}]`));
    else if (isObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'text' && typeof value === 'string') {
          slots.push({ holder: node, key, path: `${path}.text`, format: formatOf(node) });
        } else if (typeof value === 'object') visit(value, `${path}.${key}`);
      }
    }
  };
  visit(message.blocks, 'blocks');
  visit(message.attachments, 'attachments');
  return slots;
}

/** Removes text objects Slack would refuse for being empty, and blocks left with nothing to show. */
function dropEmpty(blocks: Block[], path: string, changes: string[]): Block[] {
  const empty = (t: unknown) => isObject(t) && typeof t.text === 'string' && t.text.trim() === '';
  return blocks.filter((block, i) => {
    if (block.type === 'section') {
      if (Array.isArray(block.fields)) block.fields = block.fields.filter((f) => !empty(f));
      if (empty(block.text)) delete block.text;
      if (Array.isArray(block.fields) && block.fields.length === 0) delete block.fields;
      if (block.text === undefined && block.fields === undefined && block.accessory === undefined) {
        changes.push(`${path}[${i}] removed: a section with empty text (Slack refuses empty text)`);
        return false;
      }
    } else if (block.type === 'header' && (empty(block.text) || block.text === undefined)) {
      changes.push(`${path}[${i}] removed: a header with empty text (Slack refuses empty text)`);
      return false;
    } else if (block.type === 'context' && Array.isArray(block.elements)) {
      const elements = (block.elements as unknown[]).filter((e) => !empty(e));
      block.elements = elements;
      if (elements.length === 0) {
        changes.push(`${path}[${i}] removed: a context block with only empty text`);
        return false;
      }
    }
    return true;
  });
}

/**
 * Fits a message to Slack's limits instead of letting Slack refuse it: long texts are cut with an
 * ellipsis (never inside a surrogate pair, an escape or a link), a section with more than 10 fields
 * is split, blocks past the 50th are replaced by a note saying how many were left out, and the
 * longest texts are shortened until the whole message is within 40 000 characters.
 * The input is not changed.
 */
export function fitToLimits(input: SlackMessage): FitResult {
  const message = structuredClone(input);
  const fitter = new Fitter();
  const { changes } = fitter;

  if (message.blocks) message.blocks = dropEmpty(fitter.blocks(message.blocks, 'blocks'), 'blocks', changes);
  message.attachments?.forEach((a, i) => {
    if (a.blocks)
      a.blocks = dropEmpty(
        fitter.blocks(a.blocks, `attachments[${i}].blocks`),
        `attachments[${i}].blocks`,
        changes,
      );
  });

  // Markdown blocks share one budget.
  let markdownLeft: number = SLACK_LIMITS.markdownTotal;
  const allBlocks = [
    ...(message.blocks ?? []),
    ...(message.attachments ?? []).flatMap((a) => a.blocks ?? []),
  ];
  for (const block of allBlocks) {
    if (block.type !== 'markdown' || typeof block.text !== 'string') continue;
    fitter.cut(block, 'text', Math.max(1, markdownLeft), 'a markdown block', 'plain');
    markdownLeft -= (block.text as string).length;
  }

  // Block count: top-level blocks first, then each attachment's; a note takes the last slot.
  const total = allBlocks.length;
  if (total > SLACK_LIMITS.blocks) {
    const kept = SLACK_LIMITS.blocks - 1;
    const omitted = total - kept;
    const containers = [message.blocks, ...(message.attachments ?? []).map((a) => a.blocks)];
    let left = kept;
    let last: Block[] | undefined;
    for (const blocks of containers) {
      if (!blocks) continue;
      blocks.splice(left);
      left -= blocks.length;
      if (blocks.length) last = blocks;
    }
    const note: Block = {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `…and ${omitted} more block${omitted > 1 ? 's' : ''} not shown (Slack shows at most ${SLACK_LIMITS.blocks})`,
        },
      ],
    };
    (last ?? (message.blocks ??= [])).push(note);
    changes.push(`the message had ${total} blocks; kept ${kept} and a note that ${omitted} were left out`);
  }

  // The whole message: shorten the longest texts until the total fits.
  const slots = textSlots(message);
  const lengthOf = (s: TextSlot) => String(s.holder[s.key]).length;
  const before = slots.reduce((sum, s) => sum + lengthOf(s), 0);
  let excess = before - SLACK_LIMITS.messageText;
  if (excess > 0) {
    for (let guard = 0; excess > 0 && guard < slots.length * 4; guard++) {
      const longest = slots.reduce((a, b) => (lengthOf(b) > lengthOf(a) ? b : a));
      const current = lengthOf(longest);
      longest.holder[longest.key] = truncateText(
        String(longest.holder[longest.key]),
        Math.max(1, current - excess),
        longest.format,
      );
      const shortenedBy = current - lengthOf(longest);
      if (shortenedBy <= 0) break;
      excess -= shortenedBy;
    }
    changes.push(
      `the message had ${before} characters of text; shortened the longest texts to fit ${SLACK_LIMITS.messageText}`,
    );
  }
  // Containers emptied above would be refused as they are.
  if (message.attachments) {
    for (const a of message.attachments)
      if (Array.isArray(a.blocks) && a.blocks.length === 0) delete a.blocks;
    message.attachments = message.attachments.filter((a) => a.blocks || hasOwnContent(a));
    if (!message.attachments.length) delete message.attachments;
  }
  if (message.blocks?.length === 0) delete message.blocks;
  return { message, changes };
}
