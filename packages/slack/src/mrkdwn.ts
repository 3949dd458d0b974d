/**
 * Slack's mrkdwn: escaping, links, and truncation that keeps the markup valid.
 * https://api.slack.com/reference/surfaces/formatting#escaping
 */

/** The ellipsis that marks text Slipway shortened to fit Slack's limits. */
export const ELLIPSIS = '…';

/**
 * Escapes Slack's three control characters (`&`, `<`, `>`) so a value shows as typed instead of
 * becoming a link, a mention or `<!channel>`. Only these three: Slack decodes no other entity.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A mrkdwn link `<url|label>`. The label is escaped; in the URL `|` would end it early, so it is
 * percent-encoded, and `&<>` are escaped as Slack itself stores them.
 */
export function mrkdwnLink(url: string, label: string): string {
  return `<${escapeMrkdwn(url.replace(/\|/g, '%7C'))}|${escapeMrkdwn(label)}>`;
}

const ENTITY = /^&(?:amp|lt|gt);/;

/**
 * Moves a cut position back so it does not fall inside a surrogate pair, and — in mrkdwn — not
 * inside an `&amp;`-style escape or an unclosed `<…>` link, mention or date.
 */
function safeCut(text: string, cut: number, mrkdwn: boolean): number {
  let pos = Math.max(0, Math.min(cut, text.length));
  for (let changed = true; changed && pos > 0;) {
    changed = false;
    const before = text.charCodeAt(pos - 1);
    if (before >= 0xd800 && before <= 0xdbff) {
      pos -= 1;
      changed = true;
      continue;
    }
    if (!mrkdwn) break;
    const amp = text.lastIndexOf('&', pos - 1);
    if (amp >= 0 && pos - amp < 5) {
      const entity = ENTITY.exec(text.slice(amp));
      if (entity && amp + entity[0].length > pos) {
        pos = amp;
        changed = true;
        continue;
      }
    }
    const open = text.lastIndexOf('<', pos - 1);
    if (open >= 0) {
      const close = text.indexOf('>', open);
      if (close < 0 || close >= pos) {
        pos = open;
        changed = true;
      }
    }
  }
  return pos;
}

const fences = (text: string) => text.split('```').length - 1;

/**
 * Shortens `text` to at most `max` UTF-16 code units (Slack's limits count at least that many
 * characters), ending with an ellipsis. Never splits a surrogate pair; in mrkdwn never splits an
 * escape or a `<url|label>` link, and closes a code block left open by the cut.
 */
export function truncateText(text: string, max: number, format: 'mrkdwn' | 'plain' = 'plain'): string {
  if (text.length <= max) return text;
  const mrkdwn = format === 'mrkdwn';
  const cutFor = (reserve: number) => safeCut(text, max - reserve, mrkdwn);
  let head = text.slice(0, cutFor(ELLIPSIS.length)).trimEnd();
  let tail = ELLIPSIS;
  if (mrkdwn && fences(head) % 2 === 1) {
    tail = `${ELLIPSIS}\n\`\`\``;
    head = text.slice(0, cutFor(tail.length)).trimEnd();
    if (fences(head) % 2 === 0) tail = ELLIPSIS;
  }
  if (head.length + tail.length > max) return tail.slice(0, Math.max(0, max));
  return head + tail;
}
