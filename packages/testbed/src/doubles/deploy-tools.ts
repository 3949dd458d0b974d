import { appendFileSync, chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the `kubectl` and `aws` test doubles do in the next builds: each test sets the outcome it
 * needs, and infra/buildspec.yml's own logic runs against it.
 */
export interface DeployToolPlan {
  /** `aws eks update-kubeconfig`: writes a context (ok) or answers ResourceNotFoundException (fail). */
  kubeconfig?: 'ok' | 'fail';
  /** `kubectl apply`: prints each object's name (ok) or rejects the first Deployment as invalid (reject). */
  apply?: 'ok' | 'reject';
  /** `kubectl rollout status`: rolled out (ok) or `timed out waiting for the condition` (timeout). */
  rollout?: 'ok' | 'timeout';
  /** `kubectl rollout status` waits while this is true (see PipelineStandIn.setPlan / release). */
  hold?: boolean;
}

// The doubles are small Node scripts (CommonJS, no dependencies) so they run under any node on PATH.
const KUBECTL = String.raw`#!/usr/bin/env node
'use strict';
const fs = require('node:fs');
const args = process.argv.slice(2);
const planFile = process.env.SLIPWAY_DEPLOY_PLAN;
const readPlan = () => { try { return JSON.parse(fs.readFileSync(planFile, 'utf8')); } catch { return {}; } };
if (process.env.SLIPWAY_DEPLOY_CALLS) fs.appendFileSync(process.env.SLIPWAY_DEPLOY_CALLS, JSON.stringify(['kubectl', ...args]) + '\n');
const out = (s) => process.stdout.write(s + '\n');
const err = (s) => process.stderr.write(s + '\n');
const opt = (name) => { const i = args.indexOf(name); if (i >= 0) return args[i + 1]; const p = args.find((a) => a.startsWith(name + '=')); return p ? p.slice(name.length + 1) : undefined; };
const GROUPS = { Deployment: 'deployment.apps', StatefulSet: 'statefulset.apps', DaemonSet: 'daemonset.apps', Ingress: 'ingress.networking.k8s.io', HorizontalPodAutoscaler: 'horizontalpodautoscaler.autoscaling', Job: 'job.batch', CronJob: 'cronjob.batch' };
function objects(file) {
  return fs.readFileSync(file, 'utf8').split(/^---\s*$/m).flatMap((doc) => {
    const kind = /^kind:\s*["']?([A-Za-z]+)/m.exec(doc);
    const name = /^metadata:\s*\n(?:[ \t]+.*\n)*?[ \t]+name:\s*["']?([a-z0-9.-]+)/m.exec(doc);
    return kind && name ? [{ kind: kind[1], name: name[1] }] : [];
  });
}
const [verb, ...rest] = args;
if (verb === 'version') { out('Client Version: v1.33.1'); out('Kustomize Version: v5.6.0'); process.exit(0); }
if (verb === 'apply') {
  const files = []; for (let i = 0; i < args.length; i++) if (args[i] === '-f') files.push(args[i + 1]);
  const objs = files.flatMap(objects);
  const plan = readPlan();
  if (plan.apply === 'reject') {
    const d = objs.find((o) => o.kind === 'Deployment') || objs[0] || { kind: 'Deployment', name: 'unknown' };
    err('Error from server (Invalid): error when applying patch to ' + d.kind + '.apps "' + d.name + '": ' + d.kind + '.apps "' + d.name + '" is invalid: spec.template.spec.containers[0].image: Required value');
    process.exit(1);
  }
  for (const o of objs) out((GROUPS[o.kind] || o.kind.toLowerCase()) + '/' + o.name + (opt('-o') === 'name' ? '' : ' serverside-applied'));
  process.exit(0);
}
if (verb === 'rollout' && rest[0] === 'status') {
  const object = rest[1] || '';
  const [resource, name] = object.split('/');
  const kind = (resource || '').split('.')[0];
  const wait = () => { if (!readPlan().hold) return finish(); setTimeout(wait, 50); };
  const finish = () => {
    const plan = readPlan();
    out('Waiting for ' + kind + ' "' + name + '" rollout to finish: 0 of 2 updated replicas are available...');
    if (plan.rollout === 'timeout') { err('error: timed out waiting for the condition'); process.exit(1); }
    out('Waiting for ' + kind + ' "' + name + '" rollout to finish: 1 of 2 updated replicas are available...');
    out(kind + ' "' + name + '" successfully rolled out');
    process.exit(0);
  };
  wait();
} else if (verb === 'describe') {
  const [, name] = (rest[0] || '').split('/');
  out('Name:                   ' + name); out('Namespace:              ' + (opt('--namespace') || 'default'));
  out('Replicas:               2 desired | 2 updated | 2 total | 0 available | 2 unavailable');
  out('Conditions:'); out('  Type           Status  Reason'); out('  Progressing    False   ProgressDeadlineExceeded');
  out('Events:'); out('  Warning  Failed  kubelet  Failed to pull image "' + name + ':missing": not found');
} else if (verb === 'get' && rest[0] === 'events') {
  out('LAST SEEN   TYPE      REASON    OBJECT                     MESSAGE');
  out('12s         Warning   BackOff   pod/shop-7d9c5b8f6-x2x9k   Back-off pulling image "shop:missing"');
} else if (verb !== 'rollout') {
  err('kubectl (test double): ' + args.join(' ') + ' is not implemented'); process.exit(2);
}
`;

const AWS = String.raw`#!/usr/bin/env node
'use strict';
const fs = require('node:fs');
const args = process.argv.slice(2);
if (process.env.SLIPWAY_DEPLOY_CALLS) fs.appendFileSync(process.env.SLIPWAY_DEPLOY_CALLS, JSON.stringify(['aws', ...args]) + '\n');
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
let plan = {}; try { plan = JSON.parse(fs.readFileSync(process.env.SLIPWAY_DEPLOY_PLAN, 'utf8')); } catch {}
if (args[0] === 'eks' && args[1] === 'update-kubeconfig') {
  const name = opt('--name'); const region = opt('--region') || process.env.AWS_REGION;
  if (plan.kubeconfig === 'fail') {
    process.stderr.write('\nAn error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: ' + name + '.\n');
    process.exit(254);
  }
  process.stdout.write('Added new context arn:aws:eks:' + region + ':123456789012:cluster/' + name + ' to ' + (process.env.HOME || '/root') + '/.kube/config\n');
  process.exit(0);
}
process.stderr.write('aws (test double): only eks update-kubeconfig is implemented\n');
process.exit(2);
`;

/** The doubles' folder (put it first on PATH), the plan file and the call log. */
export interface DeployTools {
  binDir: string;
  planFile: string;
  callsFile: string;
  setPlan(plan: DeployToolPlan): void;
  plan(): DeployToolPlan;
  /** Every invocation so far, as argv arrays (`['kubectl', 'apply', …]`). */
  calls(): string[][];
}

/** Writes the `kubectl` and `aws` doubles into `dir/bin` with an all-ok plan. */
export function writeDeployTools(dir: string): DeployTools {
  const binDir = join(dir, 'bin');
  mkdirSync(binDir, { recursive: true });
  for (const [name, text] of [
    ['kubectl', KUBECTL],
    ['aws', AWS],
  ] as const) {
    writeFileSync(join(binDir, name), text);
    chmodSync(join(binDir, name), 0o755);
  }
  const planFile = join(dir, 'plan.json');
  const callsFile = join(dir, 'calls.jsonl');
  appendFileSync(callsFile, '');
  let current: DeployToolPlan = {};
  const setPlan = (plan: DeployToolPlan) => {
    current = { ...plan };
    writeFileSync(planFile, JSON.stringify(current));
  };
  setPlan({ kubeconfig: 'ok', apply: 'ok', rollout: 'ok' });
  return {
    binDir,
    planFile,
    callsFile,
    setPlan,
    plan: () => ({ ...current }),
    calls: () =>
      readFileSync(callsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as string[]),
  };
}
