// ecr-push: an image from files, a registry, the local engine or ECR itself into an ECR repository.
import { ActionError, appendSummary, log, runAction, setOutputs, setSecret } from '@slipway/action-kit';
import { getEcrAuthorization } from '@slipway/aws/ecr-auth.ts';
import {
  batchGetImages,
  isTagImmutable,
  lookupRepository,
  openEcr,
  retagImage,
} from '@slipway/aws/ecr-repository.ts';
import {
  type ScanReport,
  findingsAtOrAbove,
  formatCounts,
  waitForScanFindings,
} from '@slipway/aws/ecr-scan.ts';
import { type EcrPushInputs, readEcrPushInputs } from './inputs.ts';
import { type PushSummary, findingsMessage, summaryMarkdown } from './summary.ts';

export default () =>
  runAction('ecr-push', {
    async main() {
      await ecrPush(readEcrPushInputs());
    },
  });

/**
 * Pushes (or retags) the image the validated inputs describe, writes the outputs and the job
 * summary, then applies the scan gate. Returns the outputs. Shared by this action and the
 * one-step root action.
 */
export async function ecrPush(inputs: EcrPushInputs): Promise<Record<string, string>> {
  const { repository, source } = inputs;
  // The registry login and the source (manifests, compression, the local image) do not need the
  // repository: they start now and run while the ECR API looks the repository up. Creating it and
  // putting the lifecycle policy wait until they succeeded, so a bad source or login leaves the
  // repository as it was.
  const prepared =
    source.transport === 'ecr'
      ? undefined
      : getEcrAuthorization({
          region: inputs.region,
          ...(inputs.registry ? { registryIds: [inputs.registry.accountId] } : {}),
          log,
        }).then(async (logins) => {
          for (const l of logins) {
            setSecret(l.password);
            // The docker-daemon: source writes this form into a temporary Docker config.
            setSecret(Buffer.from(`${l.username}:${l.password}`).toString('base64'));
          }
          const login = logins[0];
          if (!login) throw new ActionError('ECR GetAuthorizationToken returned no authorization data');
          const { prepareRegistryPush } = await import('./push-image.ts');
          return prepareRegistryPush({
            source,
            baseUrl: inputs.registryUrl ?? new URL(login.proxyEndpoint),
            credentials: { username: login.username, password: login.password },
            repository,
            tags: inputs.tags,
            concurrency: inputs.concurrency,
            tempDir: process.env.RUNNER_TEMP || (process.env.TMPDIR ?? '/tmp'),
            log,
          });
        });
  // Settled below; until then a failure here must not count as unhandled.
  prepared?.catch(() => undefined);
  const api = await openEcr(inputs.region, inputs.registry?.accountId);
  try {
    const lookup = await lookupRepository(api, {
      name: repository,
      create: inputs.createRepository,
      tagMutability: inputs.tagMutability,
      scanOnPush: inputs.scanOnPush,
      ...(inputs.lifecyclePolicy ? { lifecyclePolicy: inputs.lifecyclePolicy } : {}),
      log,
    });
    if (source.transport === 'ecr') {
      // An ecr: source is an image already in this repository: it must be found before anything
      // is created or changed (CreateRepository, PutLifecyclePolicy).
      const key = source.digest ?? source.tag ?? '';
      const what = source.digest ? 'with the digest' : 'tagged';
      if (!lookup.existing) {
        throw new ActionError(
          `ecr:${key}: the repository ${repository} does not exist, so it has no image ${what} ${key}; ecr: retags an image already pushed there. Nothing was created.`,
        );
      }
      // With registry-url the image lives in that registry, not behind the ECR API; the retag
      // there looks it up itself before it changes anything.
      const found = inputs.registryUrl
        ? undefined
        : await batchGetImages(api, repository, [
            source.digest ? { imageDigest: source.digest } : { imageTag: key },
          ]);
      if (found && !found.has(key)) {
        throw new ActionError(
          `ecr:${key}: the repository ${repository} has no image ${what} ${key}. Nothing was changed.`,
        );
      }
    }
    const ready = prepared ? await prepared : undefined;
    const repo = await lookup.complete();
    const immutable = (tag: string) => isTagImmutable(repo, tag);
    // The address the image is pulled from: the override (LocalStack, a local registry) or ECR's.
    const registry = inputs.registryUrl?.host ?? repo.uri.split('/')[0] ?? '';
    const image = `${registry}/${repository}`;

    let pushed: PushSummary;
    if (source.transport === 'ecr') {
      const from = source.digest ? { digest: source.digest } : { tag: source.tag ?? '' };
      const registryUrl = inputs.registryUrl;
      const result = await log.group(
        `Retag ecr:${source.digest ?? source.tag} as ${inputs.tags.join(', ')}`,
        async () => {
          if (!registryUrl) {
            return retagImage(api, {
              repository,
              source: from,
              tags: inputs.tags,
              isTagImmutable: immutable,
              log,
            });
          }
          // The image was pushed through this registry's API: retag it there, not through the ECR
          // API of the endpoint, which may not know it.
          const [login] = await getEcrAuthorization({
            region: inputs.region,
            ...(inputs.registry ? { registryIds: [inputs.registry.accountId] } : {}),
            log,
          });
          if (!login) throw new ActionError('ECR GetAuthorizationToken returned no authorization data');
          setSecret(login.password);
          const { retagInRegistry } = await import('./retag-registry.ts');
          return retagInRegistry({
            baseUrl: registryUrl,
            credentials: { username: login.username, password: login.password },
            repository,
            source: from,
            tags: inputs.tags,
            isTagImmutable: immutable,
            log,
          });
        },
      );
      pushed = { ...result, pushedBytes: 0, reusedBytes: result.size };
    } else {
      if (!ready) throw new Error('the registry push was not prepared');
      pushed = await log.group(`Push ${describeSource(source)} to ${image}`, () =>
        ready.push({ isTagImmutable: immutable, repositoryIsNew: repo.created }),
      );
    }

    const outputs: Record<string, string> = {
      registry,
      image,
      digest: pushed.digest,
      'image-ref': `${image}@${pushed.digest}`,
      tags: JSON.stringify(inputs.tags),
      'pushed-bytes': String(pushed.pushedBytes),
      'reused-bytes': String(pushed.reusedBytes),
    };
    setOutputs(outputs);

    let scan: ScanReport | undefined;
    if (inputs.scanSeverityThreshold !== 'none') {
      scan = await log.group(`Scan findings of ${pushed.digest}`, () =>
        waitForScanFindings(api, { repository, digest: pushed.digest, log }),
      );
      log.info(`scan ${scan.status}: ${formatCounts(scan.counts)}`);
    }
    const failing = scan ? findingsAtOrAbove(scan, inputs.scanSeverityThreshold) : [];
    await appendSummary(
      summaryMarkdown({ image, pushed, scan, threshold: inputs.scanSeverityThreshold, failing }),
    );
    if (failing.length) {
      throw new ActionError(
        findingsMessage(`${image}@${pushed.digest}`, inputs.scanSeverityThreshold, failing),
      );
    }
    return outputs;
  } finally {
    api.close();
    // Whatever happened, free the registry connections and temporary files.
    await prepared?.then(
      (p) => p.close(),
      () => undefined,
    );
  }
}

function describeSource(source: { transport: string } & Record<string, unknown>): string {
  switch (source.transport) {
    case 'oci':
    case 'docker-archive':
      return `${source.transport}:${String(source.path)}${source.ref ? `:${String(source.ref)}` : ''}`;
    case 'docker-daemon':
      return `docker-daemon:${String(source.image)}`;
    default:
      return source.transport;
  }
}
