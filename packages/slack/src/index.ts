export type { DeploymentStatus, StatusStyle } from './status.ts';
export { STATUSES, parseStatus, statusStyle } from './status.ts';
export type { Block, TextObject, Attachment, SlackMessage } from './message.ts';
export { mrkdwn, plainText } from './message.ts';
export { ELLIPSIS, escapeMrkdwn, mrkdwnLink, truncateText } from './mrkdwn.ts';
export { parseStartTime, formatDuration } from './duration.ts';
export type { RunFacts, DeploymentFacts } from './facts.ts';
export { runFacts, firstLine, runLinks, durationOf, templateValues } from './facts.ts';
export type { TextFormat, TemplateProblems } from './template.ts';
export { renderString, renderTemplates, templateOk, describeTemplateProblems } from './template.ts';
export {
  FIELDS_PER_SECTION,
  summaryLine,
  buildDefaultMessage,
  releaseBlocks,
  releasePhrase,
} from './default-message.ts';
export type { PayloadSyntax } from './payload.ts';
export { syntaxOfFile, toMessage, parsePayload, PayloadError } from './payload.ts';
export type { FitResult } from './limits.ts';
export { SLACK_LIMITS, fitToLimits } from './limits.ts';
export type { SlackCall } from './errors.ts';
export { explainSlackError, SlackDeliveryError } from './errors.ts';
export type { RetryPolicy, AttemptFailure } from './retry.ts';
export {
  AttemptError,
  REQUEST_TIMEOUT_MS,
  parseRetryAfter,
  networkFailure,
  withSlackRetry,
} from './retry.ts';
export { redactor, webhookSecrets } from './redact.ts';
export { webhookHost, sendToWebhook } from './webhook.ts';
export type { Destination, Delivery, DeliveryResult } from './deliver.ts';
export { DEFAULT_SLACK_API_URL, describeDestination, deliver } from './deliver.ts';
