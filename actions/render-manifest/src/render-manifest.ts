import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  asInput,
  ActionError,
  FileProblems,
  silentLogger,
  type ActionResult,
  type FileProblem,
  type Logger,
  type RunContext,
} from '@slipway/action-kit';
import type { ReleaseStore, StoredObject } from '@slipway/aws/s3-publish.ts';
import {
  TemplateError,
  concatYaml,
  diffReleases,
  formatProblem,
  renderTemplates,
  sha256Hex,
  templateContext,
  validateManifests,
  zipFiles,
  type FileText,
  type ReleaseDiff,
  type RenderedFile,
} from '@slipway/render';
import type { RenderManifestInputs } from './inputs.ts';
import { releaseSummary } from './summary.ts';

/** The outputs of render-manifest, as the step writes them. */
export interface RenderManifestOutputs extends Record<string, string> {
  version: string;
  files: string;
  's3-uri': string;
  'artifact-key': string;
  'artifact-version-id': string;
  etag: string;
  'previous-version': string;
  changed: string;
}

const contentType = (name: string) => (/\.json$/i.test(name) ? 'application/json' : 'application/yaml');

/**
 * Renders and validates the templates. Every invalid template or manifest is a FileProblems
 * error, one annotation per problem on the template line; warnings are logged. Returns the
 * non-empty rendered files. Writes nothing.
 */
export async function renderAndValidate(inputs: RenderManifestInputs, log: Logger): Promise<RenderedFile[]> {
  const { version, image } = inputs;
  for (const w of inputs.valuesWarnings) {
    log.warning(w.message, { file: w.file, startLine: w.line, title: 'YAML 1.1 value' });
  }

  // templateContext refuses a value that shadows a built-in, as readInputs already did.
  const context = await asInput('values', () =>
    templateContext(
      {
        project: inputs.project,
        deploy_env: inputs.environment,
        namespace: inputs.namespace,
        cluster_name: inputs.cluster,
        deploy_image: image?.pinned,
        docker_tag: image?.tag,
        image_digest: image?.digest,
        version,
        git_sha: inputs.git.sha,
        git_ref: inputs.git.ref,
        run_url: inputs.git.runUrl,
      },
      inputs.values,
    ),
  );

  let rendered: RenderedFile[];
  try {
    rendered = await log.group(`Render ${inputs.templates.length} template(s)`, async () => {
      const files = await renderTemplates(inputs.templates, context, inputs.workspace, {
        root: inputs.templateRoot,
      });
      for (const f of files) log.info(`${f.source} → ${f.name} (${Buffer.byteLength(f.content)} bytes)`);
      return files;
    });
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    throw new FileProblems([
      {
        message: err.message,
        properties: { file: err.file, startLine: err.line, startColumn: err.column, title: 'Template error' },
      },
    ]);
  }

  const result = await log.group('Validate', () =>
    validateManifests(rendered, { namespace: inputs.namespace }),
  );
  const errors: FileProblem[] = [];
  for (const p of result.problems) {
    const props = {
      file: p.source,
      startLine: p.sourceLine,
      title: p.level === 'error' ? 'Invalid manifest' : 'Suspicious manifest',
    };
    if (p.level === 'error') errors.push({ message: formatProblem(p), properties: props });
    else log.warning(formatProblem(p), props);
  }
  if (errors.length > 0) throw new FileProblems(errors);
  const manifests = rendered.filter((f) => f.content.trim() !== '');
  if (manifests.length === 0) {
    throw new ActionError('the templates render to no Kubernetes object; nothing to publish');
  }
  log.info(
    `${result.objects.length} object(s) valid: ${result.objects.map((o) => `${o.kind}/${o.name}`).join(', ')}`,
  );
  return manifests;
}

/**
 * Checks, before any other work, that the bucket exists and this role can read its versioning
 * (GetBucketVersioning, which publishing needs anyway; HeadBucket would need s3:ListBucket, which
 * the publishing policy does not grant). A missing bucket or a denied role is an ActionError; an
 * unversioned bucket is reported when publishing. Nothing to check without a bucket or in a dry
 * run (which reads the bucket itself and only warns).
 */
export async function checkPublishTarget(inputs: RenderManifestInputs, log: Logger): Promise<void> {
  const { publish } = inputs;
  if (!publish?.region || inputs.dryRun) return;
  const { ReleaseStore } = await import('@slipway/aws/s3-publish.ts');
  // The warning about versioning comes once, from the publishing run itself.
  const store = new ReleaseStore({ ...publish, region: publish.region, log: silentLogger });
  const status = await store.checkVersioning();
  log.info(`bucket ${publish.bucket}: reachable, versioning ${status.toLowerCase()}`);
}

/**
 * Renders, validates and (with a bucket) publishes one release; returns the outputs and the
 * summary. Invalid templates or manifests are a FileProblems error, and nothing is written.
 * Shared by this action and the one-step root action.
 */
export async function renderManifest(
  inputs: RenderManifestInputs,
  _context: RunContext,
  log: Logger,
): Promise<ActionResult & { outputs: RenderManifestOutputs; summary: string }> {
  const { version, image, publish } = inputs;
  log.info(`release ${version} of ${inputs.project} for ${inputs.environment}`);
  const manifests = await renderAndValidate(inputs, log);

  // Only now, with everything valid, is anything written.
  const paths: string[] = [];
  for (const f of manifests) {
    const path = join(inputs.outputDir, f.name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
    paths.push(path);
  }
  log.info(`wrote ${paths.length} file(s) to ${inputs.outputDir}`);

  const outputs: RenderManifestOutputs = {
    version,
    files: JSON.stringify(paths),
    's3-uri': '',
    'artifact-key': '',
    'artifact-version-id': '',
    etag: '',
    'previous-version': '',
    changed: 'true',
  };
  const summary = {
    project: inputs.project,
    environment: inputs.environment,
    version,
    image: image?.pinned,
    files: manifests.map((f) => f.name),
    dryRun: inputs.dryRun,
  };
  if (!publish) {
    if (inputs.dryRun) log.info('dry run without a bucket: nothing to publish');
    return { outputs, summary: releaseSummary(summary) };
  }

  const { ReleaseStore, publishRelease } = await import('@slipway/aws/s3-publish.ts');
  const { findRelease, immutabilityConflict, previousRelease } = await import('@slipway/aws/s3-ledger.ts');
  const store = new ReleaseStore({ ...publish, region: publish.region ?? '', log });
  const releaseUri = store.uri(store.releaseKey(version, ''));
  const artifactKey = `${publish.prefix}/${publish.artifactName}`;
  const hashes = manifests.map((f) => ({ name: f.name, sha256: sha256Hex(f.content) }));
  Object.assign(outputs, { 's3-uri': releaseUri, 'artifact-key': artifactKey });
  const facts = {
    ...summary,
    release: releaseUri,
    artifact: store.uri(artifactKey),
    ledger: store.uri(store.ledgerKey),
  };

  // Reads first: versioning, the ledger, the previous release for the diff.
  const readState = async () => {
    await store.checkVersioning();
    const { ledger } = await store.readLedger();
    const conflict = immutabilityConflict(findRelease(ledger, version), hashes);
    if (conflict) {
      throw new ActionError(
        `${conflict}; a release is immutable: publish a new version (leave the version input empty for a fresh one)`,
      );
    }
    const previous = previousRelease(ledger, version);
    const diff = await diffAgainst(store, previous?.files ?? [], manifests, previous?.version, log);
    return { previous, diff };
  };

  if (inputs.dryRun) {
    let state: Awaited<ReturnType<typeof readState>> | undefined;
    if (!publish.region) {
      log.warning(
        'dry run without an AWS region (region input or AWS_REGION): the bucket was not read, so there is no diff',
      );
    } else {
      try {
        state = await readState();
      } catch (err) {
        if (!(err instanceof ActionError)) throw err;
        log.warning(`dry run: cannot compare with the bucket: ${err.message}`);
      }
    }
    for (const f of manifests)
      log.info(`would write ${store.uri(store.releaseKey(version, f.name))} (If-None-Match: *)`);
    log.info(`would write ${store.uri(artifactKey)} (${inputs.bundle})`);
    log.info(`would add ${version} to ${store.uri(store.ledgerKey)}`);
    log.info('dry run: nothing was written to S3');
    Object.assign(outputs, {
      'previous-version': state?.previous?.version ?? '',
      changed: String(state?.diff.changed ?? true),
    });
    return {
      outputs,
      summary: releaseSummary({ ...facts, previousVersion: state?.previous?.version, diff: state?.diff }),
    };
  }

  const { previous, diff } = await log.group(`Read s3://${publish.bucket}/${publish.prefix}`, readState);
  const artifactBody =
    inputs.bundle === 'zip' ? await zipFiles(manifests) : Buffer.from(concatYaml(manifests), 'utf8');
  const metadata: Record<string, string> = { version };
  if (inputs.git.sha) metadata['git-sha'] = inputs.git.sha;
  if (inputs.git.runUrl) metadata['run-url'] = inputs.git.runUrl;
  const published = await log.group(`Publish ${version}`, () =>
    publishRelease(
      store,
      {
        version,
        files: manifests.map((f) => ({
          name: f.name,
          body: Buffer.from(f.content, 'utf8'),
          contentType: contentType(f.name),
        })),
        artifact: {
          key: artifactKey,
          body: artifactBody,
          contentType: inputs.bundle === 'zip' ? 'application/zip' : 'application/yaml',
          format: inputs.bundle,
        },
        metadata,
        entry: {
          version,
          image: image?.pinned,
          digest: image?.digest,
          gitSha: inputs.git.sha || undefined,
          gitRef: inputs.git.ref || undefined,
          actor: inputs.git.actor || undefined,
          runUrl: inputs.git.runUrl || undefined,
          publishedAt: inputs.releasedAt.toISOString(),
        },
      },
      log,
    ),
  );
  Object.assign(outputs, {
    'artifact-version-id': published.artifact.versionId ?? '',
    etag: published.artifact.etag ?? '',
    'previous-version': previous?.version ?? '',
    changed: String(diff.changed),
  });
  return {
    outputs,
    summary: releaseSummary({
      ...facts,
      previousVersion: previous?.version,
      artifactVersionId: published.artifact.versionId,
      unchanged: published.files.filter((f: StoredObject) => f.unchanged).length,
      diff,
    }),
  };
}

/** The diff between the previous release's files (read back from S3) and the rendered ones. */
async function diffAgainst(
  store: ReleaseStore,
  previousFiles: { name: string; key: string }[],
  current: RenderedFile[],
  previousVersion: string | undefined,
  log: Logger,
): Promise<ReleaseDiff> {
  const before: FileText[] = [];
  for (const f of previousFiles) {
    const found = await store.readText(f.key);
    if (found) before.push({ name: f.name, content: found.text });
    else
      log.warning(
        `${store.uri(f.key)} of release ${previousVersion ?? '?'} is gone; the diff shows it as added`,
      );
  }
  return diffReleases(before, current, { previous: previousVersion ?? '(none)', current: 'this release' });
}
