/**
 * Sizes and durations as every Slipway action prints them, in logs, summaries and messages alike.
 */

const BYTE_UNITS = ['kB', 'MB', 'GB', 'TB'];

/**
 * Bytes for people: `512 B`, `730.0 kB`, `24.0 MB`, `1.2 GB` — decimal units, as registries,
 * skopeo, the cache service and GitHub's UI report sizes.
 */
export function formatBytes(bytes: number): string {
  if (bytes < 999.5) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 999.95 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/**
 * A duration for people, in one compact style as GitHub shows run times: under a second in
 * milliseconds, `40ms`; under ten seconds to the tenth, `1.4s`, `2s`; from there in whole units,
 * `45s`, `3m 12s`, `1h 4m`, `2d 3h`. Nothing or less (a clock that went back) is `0s`.
 */
export function formatDuration(ms: number): string {
  if (!(ms > 0)) return '0s';
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  if (ms < 9950) return `${Math.round(ms / 100) / 10}s`;
  const total = Math.round(ms / 1000);
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d) return h ? `${d}d ${h}h` : `${d}d`;
  if (h) return m ? `${h}h ${m}m` : `${h}h`;
  if (m) return s ? `${m}m ${s}s` : `${m}m`;
  return `${s}s`;
}
