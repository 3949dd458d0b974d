import { untrustedCertificate } from '@slipway/net/tls';
import { GitOpsError, lastLines, type GitResult } from './git.ts';

export { GitOpsError };

/** What was being done when git failed, for the explanation. */
export type GitOperation = 'read' | 'push';

/** Where the token came from and what it reaches, to word permission errors. */
export interface TokenFacts {
  repository: string;
  /** True when the config repository is the repository the workflow runs in. */
  sameRepository: boolean;
}

const CONTENTS_WRITE =
  'the token needs write access to the repository contents: for the job token, `permissions: contents: write` on the job ' +
  '(it reaches only the repository the workflow runs in); for a fine-grained personal access token or a GitHub App, ' +
  'the repository permission "Contents: Read and write" on this repository; for a classic personal access token, the `repo` scope';

const CONTENTS_READ =
  'the token needs read access: `permissions: contents: read` for the job token (which reaches only the repository the workflow runs in), ' +
  'or "Contents: Read-only" (or more) on this repository for a fine-grained token or a GitHub App';

/** True when git's output says the server answered with this HTTP status. */
function httpStatus(text: string, status: number): boolean {
  return new RegExp(`(returned error|error:)\\s*${status}\\b|\\bHTTP ${status}\\b`).test(text);
}

/** True when a push was refused because the branch moved on (someone pushed in between). */
export function isNonFastForward(result: GitResult): boolean {
  const text = `${result.stdout}\n${result.stderr}`;
  return (
    /\[rejected\].*\((fetch first|non-fast-forward|stale info)\)/.test(text) ||
    /\[remote rejected\].*(cannot lock ref|failed to update ref|incorrect old value)/.test(text)
  );
}

/** True when the server refused the push because the branch is protected. */
export function isProtectedBranch(result: GitResult): boolean {
  return /GH006|GH013|protected branch|Repository rule violations/i.test(
    `${result.stdout}\n${result.stderr}`,
  );
}

/**
 * The server certificate git refused, as curl reports it with GnuTLS (Debian, Ubuntu), OpenSSL
 * or Secure Transport ("SSL certificate problem: …") and Schannel (Windows).
 */
const UNTRUSTED_CERTIFICATE =
  /server certificate verification failed|SSL certificate problem|certificate verify failed|SEC_E_UNTRUSTED_ROOT/i;

/** The host git could not reach, from its `unable to access '<url>'` line. */
function hostOf(text: string): string | undefined {
  const url = /unable to access '([^']+)'/.exec(text)?.[1];
  try {
    return url ? new URL(url).host : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Turns a failed git command into a message a workflow author can act on: which permission the
 * token lacks (403), that the token was refused (401), that the repository was not found, or that
 * the branch is protected (with the way around it). Otherwise git's own last lines.
 */
export function explainGitFailure(
  result: GitResult,
  op: GitOperation,
  where: { repository: string; branch: string },
  token: TokenFacts,
): GitOpsError {
  const text = `${result.stdout}\n${result.stderr}`;
  const detail = lastLines(result.stderr || result.stdout);
  const repo = where.repository;
  if (UNTRUSTED_CERTIFICATE.test(text)) {
    const host = hostOf(text) ?? repo;
    return new GitOpsError(
      `git could not ${op === 'push' ? 'push to' : 'fetch from'} ${repo}: ${untrustedCertificate(host, detail)} ` +
        '(gitops-publish hands it to git, unless GIT_SSL_CAINFO is set: git then trusts only that file)',
    );
  }
  if (op === 'push' && isProtectedBranch(result)) {
    return new GitOpsError(
      `${repo} refused the push to ${where.branch}: the branch is protected (${detail}). ` +
        'Publish with `mode: pull-request` so the change lands through a reviewed pull request, ' +
        'or let this token bypass the protection rule',
    );
  }
  if (
    httpStatus(text, 401) ||
    /Authentication failed|could not read Username|terminal prompts disabled/i.test(text)
  ) {
    return new GitOpsError(
      `${repo} refused the token (401): it is missing, expired, revoked or for another server; ` +
        `pass a valid token in the token input${token.sameRepository ? '' : ' (the job token reaches only the repository the workflow runs in)'}`,
    );
  }
  if (httpStatus(text, 403) || /Permission to .* denied|denied to/i.test(text)) {
    return new GitOpsError(
      op === 'push'
        ? `${repo} denied the push to ${where.branch} (403): ${CONTENTS_WRITE}`
        : `${repo} denied reading (403): ${CONTENTS_READ}`,
    );
  }
  if (httpStatus(text, 404) || /repository .* not found|not found/i.test(text)) {
    return new GitOpsError(
      `${repo} was not found (404), or the token cannot see it: check the repository input, and that ${CONTENTS_READ}`,
    );
  }
  return new GitOpsError(`git ${op === 'push' ? 'push to' : 'fetch from'} ${repo} failed: ${detail}`);
}
