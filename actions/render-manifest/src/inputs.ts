import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  asInput,
  InputError,
  Inputs,
  quote,
  resolveInWorkspace,
  type InputSource,
  type RunContext,
} from '@slipway/action-kit';
import { resolveRegion } from '@slipway/aws';
import { checkBucketName, checkKeyPrefix } from '@slipway/aws/s3-names.ts';
import type { SseMode } from '@slipway/aws/s3-publish.ts';
import {
  checkValueNames,
  loadValuesFiles,
  mergeValues,
  parseImageReference,
  parseValues,
  projectName,
  releaseTime,
  releaseVersion,
  resolveTemplateRoot,
  resolveTemplates,
  type BundleFormat,
  type ImageReference,
  type TemplateFile,
  type Values,
  type ValuesWarning,
} from '@slipway/render';

/** Canned ACLs S3 accepts; none is sent unless the acl input names one. */
export const CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
] as const;

/** Where and how to publish, when `bucket` is set. */
export interface PublishInputs {
  bucket: string;
  prefix: string;
  artifactName: string;
  acl?: (typeof CANNED_ACLS)[number];
  sse: SseMode;
  kmsKeyId?: string;
  /** Undefined only in a dry run without any region: the bucket is then not read. */
  region?: string;
}

/** The validated inputs of render-manifest. */
export interface RenderManifestInputs {
  workspace: string;
  templates: TemplateFile[];
  /** The folder include/import/extends names are relative to; templates read nothing outside it. */
  templateRoot: string;
  /** values-files merged in order, then the inline values on top. */
  values: Values;
  /** Scalars that YAML 1.1 (used) and YAML 1.2 read differently, to warn about. */
  valuesWarnings: ValuesWarning[];
  environment: string;
  project: string;
  namespace: string;
  cluster?: string;
  image?: ImageReference;
  version: string;
  releasedAt: Date;
  outputDir: string;
  bundle: BundleFormat;
  publish?: PublishInputs;
  dryRun: boolean;
  git: { sha: string; ref: string; runUrl: string; actor: string };
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function name(input: 'environment' | 'project', value: string): string {
  if (!NAME.test(value)) {
    throw new InputError(
      input,
      `${quote(value)} cannot name an S3 folder and a deploy target; use up to 63 letters, digits, '.', '-' or '_', starting with a letter or digit`,
    );
  }
  return value;
}

/**
 * The output folder may exist (files are written into it) but neither it nor a folder above it
 * may be a file: writing would fail late, with EEXIST or ENOTDIR.
 */
function checkOutputDir(path: string, given: string | undefined): void {
  for (let current = path; ; current = dirname(current)) {
    let isDir: boolean;
    try {
      isDir = statSync(current).isDirectory();
    } catch {
      if (dirname(current) === current) return;
      continue;
    }
    if (isDir) return;
    const what =
      current === path ? 'is an existing file, not a folder' : `lies below ${current}, which is a file`;
    throw new InputError(
      'output-dir',
      `${quote(given ?? path)} ${what}; name a folder (it is created when missing)`,
    );
  }
}

/** The region; a dry run may go without one (it then only prints the keys it would write). */
function regionFor(input: string | undefined, env: NodeJS.ProcessEnv, dryRun: boolean): string | undefined {
  try {
    return resolveRegion(input, env);
  } catch (err) {
    if (dryRun && !input) return undefined;
    throw err;
  }
}

/**
 * Reads and checks every input before any template is rendered or any SDK is loaded: a bad input
 * is one error line and nothing is written. Cheap checks come first; then the files (templates,
 * values files) are looked up. The commit, ref, actor and run page come from `context`; the
 * workspace, temporary folder and region from the environment.
 */
export async function readInputs(
  source: InputSource,
  context: RunContext,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RenderManifestInputs> {
  const inputs = new Inputs(source);
  const environment = name('environment', inputs.string('environment', { required: true }));
  const project = name(
    'project',
    await asInput('project', () => projectName(inputs.optional('project'), context)),
  );
  const namespace = inputs.string('namespace', { default: project });
  if (!DNS_LABEL.test(namespace)) {
    const why = inputs.optional('namespace') ? '' : ' (it defaults to the project)';
    throw new InputError(
      'namespace',
      `${quote(namespace)}${why} is not a Kubernetes namespace; use up to 63 lower-case letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
  const cluster = inputs.optional('cluster');
  const imageInput = inputs.optional('image');
  const image = imageInput ? await asInput('image', () => parseImageReference(imageInput)) : undefined;

  const sha = context.sha;
  const releasedAt = releaseTime(env);
  const version = await asInput('version', () =>
    releaseVersion(inputs.optional('version'), context, releasedAt),
  );

  const bundle = inputs.enum('bundle', ['zip', 'yaml'] as const, 'zip');
  const sse = inputs.enum('sse', ['AES256', 'aws:kms', 'none'] as const, 'AES256');
  const kmsKeyId = inputs.optional('kms-key-id');
  if (kmsKeyId && sse !== 'aws:kms') {
    throw new InputError(
      'kms-key-id',
      `only applies with sse aws:kms (sse is ${sse}); set sse: aws:kms or remove kms-key-id`,
    );
  }
  const acl = inputs.optional('acl') ? inputs.enum('acl', CANNED_ACLS) : undefined;
  const dryRun = inputs.boolean('dry-run', false);
  const bucketInput = inputs.optional('bucket');
  const prefixInput = inputs.optional('key-prefix');
  const artifactInput = inputs.optional('artifact-name');
  const regionInput = inputs.optional('region');
  let publish: PublishInputs | undefined;
  if (bucketInput) {
    const artifactName = artifactInput ?? (bundle === 'zip' ? 'deploy.zip' : 'deploy.yaml');
    if (
      !/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/.test(artifactName) ||
      /(^|\/)\.\.?(\/|$)/.test(artifactName)
    ) {
      throw new InputError(
        'artifact-name',
        `${quote(artifactName)} is not a usable S3 key below the prefix; use a name such as deploy.zip`,
      );
    }
    if (artifactName === 'releases.json' || artifactName.startsWith('releases/')) {
      throw new InputError(
        'artifact-name',
        `${quote(artifactName)} would overwrite the release ledger or releases; use a name such as deploy.zip`,
      );
    }
    publish = {
      bucket: await asInput('bucket', () => checkBucketName(bucketInput)),
      prefix: await asInput('key-prefix', () => checkKeyPrefix(prefixInput ?? `${project}/${environment}`)),
      artifactName,
      acl,
      sse,
      kmsKeyId,
      region: await asInput('region', () => regionFor(regionInput, env, dryRun)),
    };
  }

  const workspace = resolve(env.GITHUB_WORKSPACE || process.cwd());
  const allowOutside = inputs.boolean('allow-outside-workspace', false);
  const outputInput = inputs.optional('output-dir');
  // The default folder is the action's own, under RUNNER_TEMP; a folder the workflow names must
  // be inside the workspace unless allow-outside-workspace says otherwise.
  const outputDir = outputInput
    ? resolveInWorkspace('output-dir', outputInput, { workspace, allowOutside })
    : join(env.RUNNER_TEMP || tmpdir(), 'render-manifest', `${project}-${environment}`);
  checkOutputDir(outputDir, outputInput);
  const templates = await asInput('templates', () =>
    resolveTemplates(inputs.list('templates'), workspace, { allowOutside }),
  );
  const templateRoot = await asInput('template-root', () =>
    resolveTemplateRoot(inputs.optional('template-root'), templates, workspace, { allowOutside }),
  );
  const valuesFiles = inputs.list('values-files');
  const fromFiles = await asInput('values-files', () =>
    loadValuesFiles(valuesFiles, workspace, { allowOutside }),
  );
  const inline = await asInput('values', () => parseValues(inputs.optional('values') ?? ''));
  await asInput('values-files', () => checkValueNames(fromFiles.values));
  await asInput('values', () => checkValueNames(inline.values));
  const values = mergeValues(fromFiles.values, inline.values);

  const runUrl = context.runUrl ?? '';
  return {
    workspace,
    templates,
    templateRoot,
    values,
    valuesWarnings: [...fromFiles.warnings, ...inline.warnings],
    environment,
    project,
    namespace,
    cluster,
    image,
    version,
    releasedAt,
    outputDir,
    bundle,
    publish,
    dryRun,
    git: { sha, ref: context.ref, runUrl, actor: context.actor },
  };
}
