import type { ReleaseHandoff } from '@slipway/release/handoff';
import { formatDuration } from './duration.ts';
import { type DeploymentFacts, durationOf, runLinks } from './facts.ts';
import { type Block, type SlackMessage, mrkdwn } from './message.ts';
import { escapeMrkdwn, mrkdwnLink, truncateText } from './mrkdwn.ts';
import { statusStyle } from './status.ts';

/** Slack renders at most this many fields in one section block. */
export const FIELDS_PER_SECTION = 10;

const linkOr = (url: string, label: string) => (url ? mrkdwnLink(url, label) : escapeMrkdwn(label));
const field = (name: string, value: string) => mrkdwn(`*${escapeMrkdwn(name)}*\n${value}`);

/** A `fields` value as mrkdwn: a lone URL becomes a link, anything else shows as typed. */
function fieldValue(value: string): string {
  if (!value.trim()) return '_none_';
  if (/^https?:\/\/\S+$/.test(value.trim())) return `<${escapeMrkdwn(value.trim().replace(/\|/g, '%7C'))}>`;
  return escapeMrkdwn(value);
}

/** What the release did, for the summary line: `live in 3m 2s`, `failed in stage Deploy` … */
export function releasePhrase(release: ReleaseHandoff): string {
  switch (release.status) {
    case 'live':
      return `live in ${formatDuration(release.durationMs)}`;
    case 'failed':
      return release.failedStage ? `failed in ${release.failedStage}` : 'failed';
    case 'superseded':
      return 'superseded by a newer release';
    case 'timed-out':
      return `not live after ${formatDuration(release.durationMs)}`;
  }
}

/** The one-line summary: emoji, bold title, what happened. Also the notification text. */
export function summaryLine(facts: Pick<DeploymentFacts, 'status' | 'title' | 'release'>): string {
  const style = statusStyle(facts.status);
  const release = facts.release ? ` — ${escapeMrkdwn(releasePhrase(facts.release))}` : '';
  return `${style.emoji} *${escapeMrkdwn(facts.title)}* ${style.text}${release}`;
}

const RELEASE_EMOJI: Record<ReleaseHandoff['status'], string> = {
  live: ':large_green_circle:',
  failed: ':red_circle:',
  superseded: ':fast_forward:',
  'timed-out': ':hourglass:',
};

/**
 * The release block: live with the time it took, the failed stage with the end of its build log,
 * superseded by which release, or not live in time. The log is a code block cut to Slack's limit.
 */
export function releaseBlocks(release: ReleaseHandoff): Block[] {
  const head =
    release.status === 'live'
      ? `*Live* in ${escapeMrkdwn(formatDuration(release.durationMs))}`
      : release.status === 'failed'
        ? `*Failed*${release.failedStage ? ` in *${escapeMrkdwn(release.failedStage)}*` : ''}`
        : release.status === 'superseded'
          ? '*Superseded*'
          : `*Not live* after ${escapeMrkdwn(formatDuration(release.durationMs))}`;
  const link = release.url ? ` (${mrkdwnLink(release.url, 'details')})` : '';
  const detail = release.detail ? `: ${escapeMrkdwn(truncateText(release.detail, 600))}` : '';
  const blocks: Block[] = [
    { type: 'section', text: mrkdwn(`${RELEASE_EMOJI[release.status]} ${head}${detail}${link}`) },
  ];
  if (release.status !== 'live' && release.log.length) {
    // A fence inside the log would end the code block early; Slack has no longer fences.
    const log = release.log.map((l) => l.replace(/```/g, "'''")).join('\n');
    blocks.push({ type: 'section', text: mrkdwn(`\`\`\`${escapeMrkdwn(truncateText(log, 2600))}\`\`\``) });
  }
  return blocks;
}

/**
 * The deployment message Slipway sends with no payload: a summary line (also what notifications
 * show) above an attachment whose bar takes the status colour, holding repository, ref, commit,
 * actor, run and duration, then the `fields` given, ten to a section as Slack allows.
 */
export function buildDefaultMessage(facts: DeploymentFacts): SlackMessage {
  const { run } = facts;
  const links = runLinks(run);
  const facts1: ReturnType<typeof mrkdwn>[] = [];
  if (run.repository) facts1.push(field('Repository', linkOr(links.repository, run.repository)));
  if (run.ref) {
    const label = run.pullRequest ? `${run.ref} (#${run.pullRequest.number})` : run.ref;
    facts1.push(field(run.pullRequest ? 'Pull request' : 'Ref', linkOr(links.ref, label)));
  }
  if (run.sha) {
    const message = run.commitMessage ? ` ${escapeMrkdwn(truncateText(run.commitMessage, 120))}` : '';
    facts1.push(field('Commit', `${linkOr(links.commit, run.sha.slice(0, 7))}${message}`));
  }
  if (run.actor) facts1.push(field('Actor', escapeMrkdwn(run.actor)));
  if (run.runId) {
    const attempt = Number(run.runAttempt) > 1 ? ` (attempt ${run.runAttempt})` : '';
    const label = `${run.workflow || 'Workflow run'}${run.runNumber ? ` #${run.runNumber}` : ''}${attempt}`;
    facts1.push(field('Run', linkOr(links.run, label)));
  }
  if (facts.startedAt) {
    if (facts.status === 'started') {
      // Slack shows <!date^…> in each reader's time zone; the text after | is the fallback.
      const unix = Math.floor(facts.startedAt.getTime() / 1000);
      facts1.push(
        field('Started', `<!date^${unix}^{date_short_pretty} {time_secs}|${facts.startedAt.toISOString()}>`),
      );
    } else {
      facts1.push(field('Duration', escapeMrkdwn(durationOf(facts))));
    }
  }
  const userFields = facts.fields.map(([name, value]) => field(name, fieldValue(value)));
  const blocks: Block[] = facts.release ? releaseBlocks(facts.release) : [];
  for (const group of [facts1, userFields]) {
    for (let i = 0; i < group.length; i += FIELDS_PER_SECTION) {
      blocks.push({ type: 'section', fields: group.slice(i, i + FIELDS_PER_SECTION) });
    }
  }
  const style = statusStyle(facts.status);
  const message: SlackMessage = { text: summaryLine(facts) };
  // An attachment with no blocks is refused by Slack; with no run context there is only the line.
  if (blocks.length) message.attachments = [{ color: style.color, blocks }];
  return {
    ...message,
    // Links to GitHub would otherwise unfurl into large previews under every deployment message.
    unfurl_links: false,
    unfurl_media: false,
  };
}
