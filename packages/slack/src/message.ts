/** A Block Kit block: its `type` and whatever that type carries. */
export interface Block {
  type: string;
  [key: string]: unknown;
}

/** A text composition object. */
export interface TextObject {
  type: 'mrkdwn' | 'plain_text';
  text: string;
  emoji?: boolean;
  verbatim?: boolean;
}

/** A (secondary) attachment: used for the colour bar; may hold blocks. */
export interface Attachment {
  color?: string;
  blocks?: Block[];
  text?: string;
  fallback?: string;
  [key: string]: unknown;
}

/** The message arguments shared by incoming webhooks, chat.postMessage and chat.update. */
export interface SlackMessage {
  text?: string;
  blocks?: Block[];
  attachments?: Attachment[];
  [key: string]: unknown;
}

/** A mrkdwn text object. */
export const mrkdwn = (text: string): TextObject => ({ type: 'mrkdwn', text });

/** A plain_text object with emoji shortcodes rendered. */
export const plainText = (text: string): TextObject => ({ type: 'plain_text', text, emoji: true });
