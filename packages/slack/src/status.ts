/** The stages a deployment message can report. */
export const STATUSES = ['started', 'success', 'failure', 'cancelled', 'skipped'] as const;

/** One of {@link STATUSES}. */
export type DeploymentStatus = (typeof STATUSES)[number];

/** How a status looks in Slack. */
export interface StatusStyle {
  /** Attachment colour bar (hex). */
  color: string;
  /** Slack emoji shortcode, rendered in mrkdwn and in plain_text with `emoji: true`. */
  emoji: string;
  /** What happened, completing "<title> …": "succeeded", "was cancelled" … */
  text: string;
}

// Colours are Slack's own `good`/`danger` values and its link blue, so the bar matches other apps.
const STYLES: Record<DeploymentStatus, StatusStyle> = {
  started: { color: '#1D9BD1', emoji: ':rocket:', text: 'started' },
  success: { color: '#2EB886', emoji: ':white_check_mark:', text: 'succeeded' },
  failure: { color: '#A30200', emoji: ':x:', text: 'failed' },
  cancelled: { color: '#808080', emoji: ':no_entry_sign:', text: 'was cancelled' },
  skipped: { color: '#C0C0C0', emoji: ':fast_forward:', text: 'was skipped' },
};

// `canceled` is how GitHub spells it in some APIs (check runs) and how most people type it.
const ALIASES: Record<string, DeploymentStatus> = { canceled: 'cancelled' };

/**
 * Reads a status case-insensitively, so GitHub's `job.status` (`success`, `failure`, `cancelled`),
 * `steps.<id>.outcome` and `needs.<job>.result` (which add `skipped`) can be passed straight through.
 * Undefined when the value is not a known status.
 */
export function parseStatus(value: string): DeploymentStatus | undefined {
  const v = value.trim().toLowerCase();
  return (STATUSES as readonly string[]).includes(v) ? (v as DeploymentStatus) : ALIASES[v];
}

/** Colour, emoji and wording of a status. */
export function statusStyle(status: DeploymentStatus): StatusStyle {
  return STYLES[status];
}
