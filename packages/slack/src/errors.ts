/** What was being sent when Slack answered with an error, to make the explanation concrete. */
export interface SlackCall {
  /** `chat.postMessage`, `chat.update` or `incoming webhook`. */
  method: string;
  channel?: string;
  /** The message being updated. */
  ts?: string;
  /** The scope Slack said was missing (`needed` in a missing_scope answer). */
  needed?: string;
  /** Slack's detail lines (`response_metadata.messages`), e.g. which block was invalid. */
  details?: string[];
}

/** Slack's error codes for chat.postMessage / chat.update / incoming webhooks, with what to do. */
const EXPLANATIONS: Record<string, (c: SlackCall) => string> = {
  channel_not_found: (c) =>
    c.method === 'chat.update'
      ? `no channel ${c.channel ?? ''} visible to this token. chat.update needs the channel ID (C…), not its name: pass the channel output of the step that posted the message`
      : c.method === 'incoming webhook'
        ? 'the channel of this webhook was deleted; create a new incoming webhook'
        : `no channel ${c.channel ?? ''} visible to this token: check the name or ID, and invite the app to private channels`,
  not_in_channel: (c) =>
    `the app is not a member of ${c.channel ?? 'the channel'}: invite it (/invite @your-app) or add the chat:write.public scope to post to public channels without joining`,
  is_archived: () => 'the channel is archived; unarchive it or post elsewhere',
  channel_is_archived: () => 'the channel is archived; unarchive it or create a webhook for another channel',
  invalid_auth: () => 'the token is not valid (mistyped, revoked, or from another workspace)',
  not_authed: () => 'no token reached Slack; pass a bot token (xoxb-…) as token',
  account_inactive: () => 'the token belongs to a deactivated user or an uninstalled app; reinstall the app',
  token_revoked: () => 'the token was revoked; reinstall the app and update the secret',
  token_expired: () => 'the token expired (token rotation is on); use a non-expiring bot token or refresh it',
  missing_scope: (c) =>
    `the token lacks the ${c.needed ?? 'chat:write'} scope; add it under OAuth & Permissions and reinstall the app`,
  not_allowed_token_type: () => 'this token type cannot post messages; use a bot token (xoxb-…)',
  message_not_found: (c) =>
    `no message ${c.ts ?? ''} in ${c.channel ?? 'the channel'}: message-ts must be the ts output of the step that posted it, with that step's channel output`,
  cant_update_message: () => 'only messages posted by this same app can be updated',
  edit_window_closed: () => 'the workspace does not allow editing messages this old',
  invalid_blocks: (c) =>
    `Slack refused the blocks${c.details?.length ? '' : '; check the payload in Block Kit Builder (https://app.slack.com/block-kit-builder)'}`,
  invalid_blocks_format: () => 'blocks must be a list of block objects',
  invalid_attachments: () => 'the attachments are malformed',
  msg_too_long: () => 'the message text is too long',
  msg_blocks_too_long: () =>
    'the blocks together are too long for Slack (it has refused messages with well under 40 000 characters of blocks); shorten the payload',
  no_text: () => 'the message has no text, blocks or attachments',
  too_many_attachments: () => 'a message may have at most 100 attachments',
  rate_limited: () => 'Slack rate-limited the app; post less often',
  ratelimited: () => 'Slack rate-limited the app; post less often',
  restricted_action: () => 'a workspace setting prevents this app from posting in this channel',
  action_prohibited: () => 'a workspace setting prevents this webhook from posting',
  posting_to_general_channel_denied: () => 'only admins may post to the #general channel',
  team_access_not_granted: () => 'the token has no access to the workspace of this channel',
  ekm_access_denied: () => 'administrators have suspended posting (Enterprise Key Management)',
  invalid_payload: () => 'Slack could not read the message as JSON',
  user_not_found: () => 'a user the message refers to does not exist',
  no_service: () => 'this webhook was disabled or removed; create a new incoming webhook',
  no_team: () => 'the workspace of this webhook no longer exists',
  invalid_token: () =>
    'the webhook URL is not valid (mistyped or revoked); copy it again from the app settings',
  rollup_error: () => 'Slack had an internal error; try again later',
  fatal_error: () => 'Slack had an internal error; try again later',
  internal_error: () => 'Slack had an internal error; try again later',
  service_unavailable: () => 'Slack is unavailable; try again later',
};

/**
 * Explains one of Slack's error codes in a sentence that says what to change; unknown codes point
 * at Slack's reference for the method.
 */
export function explainSlackError(code: string, call: SlackCall): string {
  const explain = EXPLANATIONS[code];
  const base = explain
    ? explain(call)
    : `see https://api.slack.com/${call.method.startsWith('chat.') ? `methods/${call.method}#errors` : 'messaging/webhooks#handling_errors'}`;
  const details = call.details?.length ? ` (Slack said: ${call.details.join('; ')})` : '';
  return `${base}${details}`;
}

/** A Slack delivery that did not succeed; the message says what happened and what to do. */
export class SlackDeliveryError extends Error {
  override readonly name = 'SlackDeliveryError';
  constructor(
    message: string,
    /** Slack's error code, when Slack gave one. */
    readonly code?: string,
  ) {
    super(message);
  }
}
