import { getOctokit } from '@actions/github';
import { explainTlsError, proxyFetch } from '@slipway/net';
import type { Logger } from '@slipway/action-kit';
import { GitOpsError } from './errors.ts';

/** The pull request to open or update. */
export interface PullRequestRequest {
  /** REST API base, e.g. https://api.github.com or https://ghe.example.com/api/v3. */
  apiUrl: string;
  token: string;
  owner: string;
  repo: string;
  /** The branch with the release (`slipway/<project>/<environment>`). */
  head: string;
  /** The branch it is proposed for. */
  base: string;
  title: string;
  body: string;
  /** Merge method for auto-merge, or undefined to leave auto-merge alone. */
  autoMerge?: 'MERGE' | 'SQUASH' | 'REBASE';
  log: Logger;
}

/** The pull request as it stands after the call. */
export interface PullRequestResult {
  number: number;
  url: string;
  created: boolean;
  autoMerge: boolean;
}

interface HttpError {
  status?: number;
  message?: string;
  response?: { data?: unknown };
}

const PR_PERMISSION =
  'the token needs "Pull requests: Read and write" (job token: `permissions: pull-requests: write`; fine-grained token or GitHub App: "Pull requests: Read and write" on the repository)';

/** A REST failure explained: which permission is missing (403), or GitHub's own validation message. */
function explainApiError(err: unknown, what: string, repo: string, apiUrl: string): GitOpsError {
  const tls = explainTlsError(err, new URL(apiUrl).host);
  if (tls) return new GitOpsError(`GitHub failed ${what} in ${repo}: ${tls}`);
  const e = err as HttpError;
  const status = e.status ?? 0;
  const data = e.response?.data as { message?: string; errors?: { message?: string }[] } | undefined;
  const detail = [
    data?.message ?? e.message ?? String(err),
    ...(data?.errors ?? []).map((x) => x.message ?? ''),
  ]
    .filter(Boolean)
    .join('; ');
  if (status === 401)
    return new GitOpsError(`GitHub refused the token (401) when ${what} in ${repo}: ${detail}`);
  if (status === 403)
    return new GitOpsError(`GitHub denied ${what} in ${repo} (403: ${detail}): ${PR_PERMISSION}`);
  if (status === 404)
    return new GitOpsError(
      `GitHub answered 404 when ${what} in ${repo}: the repository does not exist or ${PR_PERMISSION}`,
    );
  return new GitOpsError(`GitHub failed ${what} in ${repo}${status ? ` (${status})` : ''}: ${detail}`);
}

/**
 * Opens the pull request from `head` into `base`, or updates the one already open (title and body),
 * so each application and environment has exactly one. With `autoMerge`, enables auto-merge through
 * GitHub's GraphQL API (REST has no endpoint for it): a repository without auto-merge allowed, or a
 * base without required checks, gives a warning, not a failure.
 */
export async function openOrUpdatePullRequest(req: PullRequestRequest): Promise<PullRequestResult> {
  // Through Slipway's proxy-aware fetch, so HTTPS_PROXY/NO_PROXY apply as they do to every client.
  const octokit = getOctokit(req.token, {
    baseUrl: req.apiUrl.replace(/\/+$/, ''),
    request: { fetch: proxyFetch },
  });
  const repoName = `${req.owner}/${req.repo}`;
  let existing: { number: number; html_url: string; node_id: string } | undefined;
  try {
    const { data } = await octokit.rest.pulls.list({
      owner: req.owner,
      repo: req.repo,
      state: 'open',
      head: `${req.owner}:${req.head}`,
      base: req.base,
      per_page: 10,
    });
    existing = data[0];
  } catch (err) {
    throw explainApiError(err, 'listing pull requests', repoName, req.apiUrl);
  }
  let pr: { number: number; html_url: string; node_id: string };
  let created = false;
  if (existing) {
    try {
      const { data } = await octokit.rest.pulls.update({
        owner: req.owner,
        repo: req.repo,
        pull_number: existing.number,
        title: req.title,
        body: req.body,
      });
      pr = data;
    } catch (err) {
      throw explainApiError(err, `updating pull request #${existing.number}`, repoName, req.apiUrl);
    }
    req.log.info(`updated pull request #${pr.number}: ${pr.html_url}`);
  } else {
    try {
      const { data } = await octokit.rest.pulls.create({
        owner: req.owner,
        repo: req.repo,
        head: req.head,
        base: req.base,
        title: req.title,
        body: req.body,
        maintainer_can_modify: false,
      });
      pr = data;
      created = true;
    } catch (err) {
      throw explainApiError(err, 'opening a pull request', repoName, req.apiUrl);
    }
    req.log.info(`opened pull request #${pr.number}: ${pr.html_url}`);
  }
  let autoMerge = false;
  if (req.autoMerge) {
    try {
      await octokit.graphql(
        // Variable names must not collide with Octokit's request options (method, url, headers…).
        `mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!) {
          enablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId, mergeMethod: $mergeMethod }) { clientMutationId }
        }`,
        { pullRequestId: pr.node_id, mergeMethod: req.autoMerge },
      );
      autoMerge = true;
      req.log.info(`auto-merge (${req.autoMerge.toLowerCase()}) is on for #${pr.number}`);
    } catch (err) {
      req.log.warning(
        `could not turn on auto-merge for #${pr.number}: ${(err as Error).message}. Allow auto-merge in the repository settings and protect ${req.base} with required reviews or checks; the pull request stays open`,
      );
    }
  }
  return { number: pr.number, url: pr.html_url, created, autoMerge };
}
