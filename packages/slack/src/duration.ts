/**
 * Reads a start time: ISO 8601 (`2024-05-01T12:00:00Z`, what `date -u +%FT%TZ` prints) or Unix
 * time in seconds or milliseconds (`date +%s`, `Date.now()`). Undefined when it is neither.
 */
export function parseStartTime(value: string): Date | undefined {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    // Ten digits of seconds reach 2286; anything above 1e11 must be milliseconds.
    const date = new Date(n >= 1e11 ? n : n * 1000);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A duration for people, in the one style every Slipway action prints. */
export { formatDuration } from '@slipway/action-kit';
