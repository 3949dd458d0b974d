/**
 * Removes secrets from text before it is printed. The runner masks registered secrets too, but
 * only in its own log: a value that reaches a file (summary, outputs) or another system would not be.
 */
export function redactor(secrets: (string | undefined)[]): (text: string) => string {
  const list = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6);
  // Longest first, so a URL is replaced whole before its path is.
  list.sort((a, b) => b.length - a.length);
  return (text) => list.reduce((t, s) => t.split(s).join('***'), text);
}

/**
 * The parts of a webhook URL that are secret on their own: the whole URL, its path, and the last
 * path segment (the token part of `https://hooks.slack.com/services/T…/B…/<token>`).
 */
export function webhookSecrets(url: string): string[] {
  const parts = [url];
  try {
    const parsed = new URL(url);
    if (parsed.pathname.length > 1) parts.push(parsed.pathname + parsed.search);
    const last = parsed.pathname.split('/').filter(Boolean).pop();
    if (last && last.length >= 8) parts.push(last);
    if (parsed.search.length > 8) parts.push(parsed.search.slice(1));
  } catch {
    // Not a URL: the whole value is all there is to hide.
  }
  return parts;
}
