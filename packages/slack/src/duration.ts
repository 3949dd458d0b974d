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

/** A duration for people: `45s`, `3m 12s`, `1h 4m`, `2d 3h`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d) return h ? `${d}d ${h}h` : `${d}d`;
  if (h) return m ? `${h}h ${m}m` : `${h}h`;
  if (m) return s ? `${m}m ${s}s` : `${m}m`;
  return `${s}s`;
}
