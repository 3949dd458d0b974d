/**
 * Generates the root action.yml — the one-step path (push → render and publish → notify) — from
 * the action.yml of ecr-push, render-manifest and slack-notify: the same input names, defaults and
 * outputs, so the one-step path and the single actions can never disagree.
 *   npx tsx scripts/generate-root-action.ts          write action.yml
 *   npx tsx scripts/generate-root-action.ts --check  fail when action.yml is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from './lib/actions.ts';

interface Spec {
  description?: string;
  required?: boolean;
  default?: unknown;
}
interface ActionYml {
  inputs?: Record<string, Spec>;
  outputs?: Record<string, { description?: string }>;
}

/** One part of the one-step path. */
export interface RootPart {
  action: string;
  when: string;
  /**
   * Only these inputs of the part are exposed, under these root names (part name → root name);
   * the root action supplies the others. Absent: every input, under its own name.
   */
  inputs?: Readonly<Record<string, string>>;
  /** Outputs renamed in the root (part name → root name); the others keep their names. */
  outputs?: Readonly<Record<string, string>>;
}

/** The parts of the one-step path, in the order they run, and what switches each on. */
export const PARTS: readonly RootPart[] = [
  { action: 'ecr-push', when: 'runs when `source` is given' },
  { action: 'render-manifest', when: 'runs when `templates` is given' },
  {
    action: 'await-release',
    when: 'follows a published release through CodePipeline until it is live unless `wait-for-release` is false',
    inputs: {
      pipeline: 'pipeline',
      'log-lines': 'log-lines',
      timeout: 'release-timeout',
      interval: 'release-interval',
      'fail-on': 'release-fail-on',
    },
    outputs: {
      status: 'release-status',
      detail: 'release-detail',
      url: 'release-url',
      duration: 'release-duration',
    },
  },
  { action: 'slack-notify', when: 'runs when `webhook-url` or `token` is given' },
];

/** Inputs of the root action itself, not of a part. */
const OWN_INPUTS: Record<string, Spec> = {
  'wait-for-release': {
    description:
      '[await-release] After publishing to a bucket, follow the release through CodePipeline (pipeline, default <project>-<environment> as the Slipway stack names it) until it is live, failed or superseded; the step fails unless it is live, and the Slack message says which. false ends the step once the release is in S3.',
    required: false,
    default: 'true',
  },
};

/** The root action.yml text. */
export function rootActionYml(): string {
  const inputs: Record<string, Spec> = {};
  const outputs: Record<string, { description: string }> = {};
  for (const part of PARTS) {
    const yml = parse(
      readFileSync(join(repoRoot, 'actions', part.action, 'action.yml'), 'utf8'),
    ) as ActionYml;
    for (const [partName, spec] of Object.entries(yml.inputs ?? {})) {
      const name = part.inputs ? part.inputs[partName] : partName;
      if (name === undefined) continue;
      if (part.action === 'await-release' && name === 'pipeline') {
        spec.description = `${(spec.description ?? '').trim()} Default: <project>-<environment>, as the Slipway stack names it.`;
      }
      const description = `[${part.action}] ${(spec.description ?? '').trim()}${spec.required ? ` Required when that part runs.` : ''}`;
      const existing = inputs[name];
      if (existing) {
        if (String(existing.default ?? '') !== String(spec.default ?? '')) {
          throw new Error(`input ${name} has different defaults in the parts; resolve it by hand`);
        }
        existing.description = `${existing.description} Also ${description}`;
        continue;
      }
      inputs[name] = {
        description,
        required: false,
        ...(spec.default !== undefined ? { default: spec.default } : {}),
      };
    }
    for (const [partName, spec] of Object.entries(yml.outputs ?? {})) {
      const name = part.outputs?.[partName] ?? partName;
      if (outputs[name]) throw new Error(`output ${name} is declared by two parts`);
      outputs[name] = { description: `[${part.action}] ${(spec.description ?? '').trim()}` };
    }
  }
  const doc = {
    name: 'Slipway',
    description:
      'One step from an image to a versioned deployment: push it to ECR, render and publish the Kubernetes manifests to S3, wait until the release is live, tell Slack. ' +
      PARTS.map((p) => `${p.action} ${p.when}`).join('; ') +
      ". Before anything is pushed, every part's inputs are validated, the manifests rendered and checked, the bucket checked (GetBucketVersioning) and a Slack bot token checked (auth.test; a webhook cannot be checked without posting).",
    author: 'Slipway',
    branding: { icon: 'anchor', color: 'blue' },
    inputs: { ...inputs, ...OWN_INPUTS },
    outputs,
    runs: { using: 'node24', main: 'dist/slipway/index.js' },
  };
  return `# Generated by scripts/generate-root-action.ts from actions/{${PARTS.map((p) => p.action).join(',')}}/action.yml.\n${stringify(doc, { lineWidth: 0 })}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = join(repoRoot, 'action.yml');
  const next = rootActionYml();
  if (process.argv.includes('--check')) {
    if (readFileSync(path, 'utf8') !== next) {
      console.error('action.yml is out of date: run npx tsx scripts/generate-root-action.ts');
      process.exit(1);
    }
  } else writeFileSync(path, next);
}
