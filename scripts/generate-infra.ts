// Renders infra/cloudformation/slipway.yaml from infra/template.ts, docs/iam/*.json and
// infra/buildspec.yml.
//
//   npx tsx scripts/generate-infra.ts                 write the shipped template
//   npx tsx scripts/generate-infra.ts --check         exit 1 when the shipped template is stale (CI)
//   npx tsx scripts/generate-infra.ts --environments dev,staging,production --approval production \
//       --out my-stack.yaml                           a template for other GitHub Environment names
//   npx tsx scripts/generate-infra.ts --policy render-manifest --account 111122223333 --region eu-west-1 \
//       --bucket acme-releases --key-prefix shop/staging   a docs/iam policy with the values filled in
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { POLICY_NAMES, renderPolicy, type PolicyName } from '../infra/policies.ts';
import { DEFAULT_OPTIONS, TEMPLATE_PATH, templateYaml, type InfraOptions } from '../infra/template.ts';

const list = (value: string | undefined, fallback: string[]): string[] =>
  value === undefined
    ? fallback
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

function main(): number {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      environments: { type: 'string' },
      approval: { type: 'string' },
      out: { type: 'string' },
      policy: { type: 'string' },
      account: { type: 'string' },
      region: { type: 'string' },
      partition: { type: 'string' },
      project: { type: 'string' },
      bucket: { type: 'string' },
      'key-prefix': { type: 'string' },
      'kms-key-arn': { type: 'string' },
      pipeline: { type: 'string' },
      'build-project': { type: 'string' },
    },
    strict: true,
  });
  if (values.policy !== undefined) {
    if (!(POLICY_NAMES as readonly string[]).includes(values.policy)) {
      console.error(`generate-infra: --policy must be one of ${POLICY_NAMES.join(', ')}`);
      return 2;
    }
    try {
      const doc = renderPolicy(values.policy as PolicyName, {
        accountId: values.account ?? '',
        region: values.region ?? '',
        partition: values.partition,
        project: values.project,
        bucket: values.bucket,
        keyPrefix: values['key-prefix'],
        kmsKeyArn: values['kms-key-arn'],
        pipeline: values.pipeline,
        buildProject: values['build-project'],
      });
      console.log(JSON.stringify(doc, null, 2));
      return 0;
    } catch (err) {
      console.error(
        `generate-infra: ${(err as Error).message} (pass it as an option, e.g. --bucket, --key-prefix, --pipeline, --build-project)`,
      );
      return 2;
    }
  }
  const environments = list(values.environments, DEFAULT_OPTIONS.environments);
  const opts: InfraOptions = {
    environments,
    approvalEnvironments: list(
      values.approval,
      DEFAULT_OPTIONS.approvalEnvironments.filter((e) => environments.includes(e)),
    ),
  };
  const target = resolve(values.out ?? TEMPLATE_PATH);
  const near = relative(process.cwd(), target);
  const shown = near && !near.startsWith('..') ? near : target;
  let text: string;
  try {
    text = templateYaml(opts);
  } catch (err) {
    console.error(`generate-infra: ${(err as Error).message}`);
    return 2;
  }

  if (values.check) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // a missing file is simply stale
    }
    if (current !== text) {
      console.error(
        `generate-infra: ${shown} is out of date with infra/template.ts, docs/iam or infra/buildspec.yml; run \`npx tsx scripts/generate-infra.ts\` and commit the result`,
      );
      return 1;
    }
    console.log(`generate-infra: ${shown} is up to date`);
    return 0;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`generate-infra: wrote ${shown} (environments: ${opts.environments.join(', ')})`);
  return 0;
}

process.exitCode = main();
