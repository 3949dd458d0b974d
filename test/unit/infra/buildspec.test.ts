// Runs the commands of infra/buildspec.yml the way CodeBuild does (phases in order, each command in
// bash, the first failure aborts the build) with `kubectl`, `aws` and `curl` replaced by recording
// stand-ins on PATH: there is no EKS cluster here, and what is under test is the buildspec's own
// shell logic — what it applies, in which order, and that a rollout timeout fails the build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { parse } from 'yaml';
import { BUILDSPEC_PATH } from '../../../infra/template.ts';

interface Buildspec {
  version: number;
  env: { shell: string; variables: Record<string, string> };
  phases: Record<string, { commands: string[]; 'on-failure'?: string }>;
}

const spec = parse(readFileSync(BUILDSPEC_PATH, 'utf8')) as Buildspec;

const STUB_KUBECTL = `#!/bin/bash
echo "kubectl $*" >> "$STUB_LOG"
case "$1" in
  version) echo "Client Version: v1.33.1" ;;
  apply) for o in $STUB_APPLIED; do echo "$o"; done ;;
  rollout)
    for bad in $STUB_ROLLOUT_FAIL; do
      if [ "$3" = "$bad" ]; then echo "error: timed out waiting for the condition" >&2; exit 1; fi
    done
    echo "$3 successfully rolled out" ;;
  *) echo "stub output for $1" ;;
esac
`;
const STUB_AWS = `#!/bin/bash
echo "aws $*" >> "$STUB_LOG"
`;
// Serves dl.k8s.io from files in $STUB_DIR: the kubectl binary and its published checksum.
const STUB_CURL = `#!/bin/bash
echo "curl $*" >> "$STUB_LOG"
out=""; url=""
while [ $# -gt 0 ]; do
  case "$1" in -fsSLo) out="$2"; shift 2 ;; -*) shift ;; *) url="$1"; shift ;; esac
done
case "$url" in
  *stable.txt) echo v1.99.0 ;;
  *.sha256) cat "$STUB_DIR/kubectl.sha256" ;;
  */kubectl) cp "$STUB_DIR/kubectl-download" "$out" ;;
  *) exit 22 ;;
esac
`;

interface Build {
  ok: boolean;
  failedPhase?: string;
  output: string;
  calls: string[];
  dir: string;
}

function sandbox(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'slw-bs-'));
  for (const sub of ['src', 'bin', 'tmp', 'install']) mkdirSync(join(dir, sub));
  for (const [name, body] of Object.entries(files)) {
    const path = join(dir, 'src', name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, body);
  }
  const stub = (name: string, body: string) => {
    writeFileSync(join(dir, 'bin', name), body);
    chmodSync(join(dir, 'bin', name), 0o755);
  };
  stub('kubectl', STUB_KUBECTL);
  stub('aws', STUB_AWS);
  stub('curl', STUB_CURL);
  writeFileSync(join(dir, 'calls.log'), '');
  return dir;
}

function runBuild(dir: string, env: Record<string, string> = {}): Build {
  const baseEnv: Record<string, string> = {
    PATH: `${join(dir, 'install')}:${join(dir, 'bin')}:/usr/bin:/bin`,
    HOME: dir,
    TMPDIR: join(dir, 'tmp'),
    STUB_LOG: join(dir, 'calls.log'),
    STUB_DIR: dir,
    CODEBUILD_SRC_DIR: join(dir, 'src'),
    AWS_REGION: 'eu-west-1',
    EKS_CLUSTER_NAME: 'main-cluster',
    KUBE_NAMESPACE: 'shop',
    KUBECTL_INSTALL_DIR: join(dir, 'install'),
    STUB_APPLIED: '',
    ...spec.env.variables,
    ...env,
  };
  let output = '';
  for (const [phase, { commands }] of Object.entries(spec.phases)) {
    for (const command of commands) {
      const run = spawnSync(spec.env.shell, ['-c', command], {
        cwd: join(dir, 'src'),
        env: baseEnv,
        encoding: 'utf8',
      });
      output += run.stdout + run.stderr;
      if (run.status !== 0) return { ok: false, failedPhase: phase, output, calls: calls(dir), dir };
    }
  }
  return { ok: true, output, calls: calls(dir), dir };
}

const calls = (dir: string) => readFileSync(join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean);

const MANIFESTS = {
  'deployment.yaml': 'kind: Deployment\n',
  'service.yml': 'kind: Service\n',
  '00-config.yaml': 'kind: ConfigMap\n',
  'README.txt': 'not a manifest\n',
};

test('the buildspec is a CodeBuild 0.2 spec run by bash with the documented defaults', () => {
  assert.equal(spec.version, 0.2);
  assert.equal(spec.env.shell, 'bash');
  assert.deepEqual(Object.keys(spec.phases), ['install', 'pre_build', 'build']);
  assert.equal(spec.env.variables.ROLLOUT_TIMEOUT, '300s');
  for (const name of [
    'EKS_CLUSTER_NAME',
    'KUBE_NAMESPACE',
    'ROLLOUT_TIMEOUT',
    'KUBECTL_VERSION',
    'FIELD_MANAGER',
    'MANIFEST_DIR',
  ]) {
    assert.match(
      readFileSync(BUILDSPEC_PATH, 'utf8'),
      new RegExp(`^#\\s+${name}\\s`, 'm'),
      `${name} is documented at the top`,
    );
  }
});

test('applies every manifest server-side into the namespace, in name order, then waits for each workload', () => {
  const dir = sandbox(MANIFESTS);
  const build = runBuild(dir, {
    STUB_APPLIED: 'configmap/cfg deployment.apps/web service/web statefulset.apps/db',
  });
  assert.ok(build.ok, build.output);
  const src = join(dir, 'src');
  assert.deepEqual(build.calls, [
    'kubectl version --client',
    'aws eks update-kubeconfig --name main-cluster --region eu-west-1',
    `kubectl apply --server-side --force-conflicts --field-manager=slipway --namespace shop -f ${src}/00-config.yaml -f ${src}/deployment.yaml -f ${src}/service.yml -o name`,
    'kubectl rollout status deployment.apps/web --namespace shop --timeout=300s',
    'kubectl rollout status statefulset.apps/db --namespace shop --timeout=300s',
  ]);
  assert.match(build.output, /All workloads rolled out/);
  assert.ok(
    !build.calls.some((c) => c.startsWith('curl')),
    'the image’s kubectl is used, nothing downloaded',
  );
});

test('a workload that does not roll out in time fails the build, with its description and the events', () => {
  const dir = sandbox(MANIFESTS);
  const build = runBuild(dir, {
    STUB_APPLIED: 'deployment.apps/web deployment.apps/worker',
    STUB_ROLLOUT_FAIL: 'deployment.apps/web',
    ROLLOUT_TIMEOUT: '90s',
  });
  assert.equal(build.ok, false);
  assert.equal(build.failedPhase, 'build');
  assert.match(build.output, /deployment\.apps\/web did not become ready within 90s/);
  assert.ok(
    build.calls.includes('kubectl rollout status deployment.apps/web --namespace shop --timeout=90s'),
  );
  assert.ok(build.calls.includes('kubectl describe deployment.apps/web --namespace shop'));
  assert.ok(build.calls.some((c) => c.startsWith('kubectl get events --namespace shop')));
  // the other workload is still waited for, so one run reports every failure
  assert.ok(
    build.calls.includes('kubectl rollout status deployment.apps/worker --namespace shop --timeout=90s'),
  );
});

test('a deploy.zip that arrives unextracted is unzipped and its manifests applied', () => {
  const zip = zipSync({
    'deployment.yaml': strToU8('kind: Deployment\n'),
    'svc/service.yaml': strToU8('kind: Service\n'),
  });
  const dir = sandbox({ 'deploy.zip': zip });
  const build = runBuild(dir, { STUB_APPLIED: 'deployment.apps/web' });
  assert.ok(build.ok, build.output);
  const release = join(dir, 'src', 'release');
  assert.ok(existsSync(join(release, 'svc', 'service.yaml')));
  const apply = build.calls.find((c) => c.startsWith('kubectl apply')) ?? '';
  assert.ok(apply.includes(`-f ${release}/deployment.yaml -f ${release}/svc/service.yaml`), apply);
});

test('an artifact without manifests fails before touching the cluster', () => {
  const dir = sandbox({ 'notes.txt': 'nothing here\n' });
  const build = runBuild(dir);
  assert.equal(build.ok, false);
  assert.equal(build.failedPhase, 'pre_build');
  assert.match(build.output, /No \*\.yaml or \*\.yml manifest/);
  assert.ok(!build.calls.some((c) => c.startsWith('aws') || c.startsWith('kubectl apply')));
});

test('a missing cluster name fails with a message saying what to set', () => {
  const build = runBuild(sandbox(MANIFESTS), { EKS_CLUSTER_NAME: '' });
  assert.equal(build.ok, false);
  assert.match(build.output, /set EKS_CLUSTER_NAME/);
});

function withDownload(tampered: boolean): Build {
  const dir = sandbox(MANIFESTS);
  const binary = '#!/bin/bash\necho "kubectl-downloaded $*" >> "$STUB_LOG"\n';
  writeFileSync(join(dir, 'kubectl-download'), tampered ? `${binary}# tampered\n` : binary);
  writeFileSync(join(dir, 'kubectl.sha256'), createHash('sha256').update(binary).digest('hex'));
  return runBuild(dir, { KUBECTL_VERSION: 'v1.33.1' });
}

test('a pinned KUBECTL_VERSION is downloaded, checked against its SHA-256 and used', () => {
  const build = withDownload(false);
  assert.ok(build.ok, build.output);
  assert.ok(build.calls.some((c) => c.includes('https://dl.k8s.io/release/v1.33.1/bin/linux/')));
  assert.ok(build.calls.includes('kubectl-downloaded version --client'), build.calls.join('\n'));
  assert.ok(existsSync(join(build.dir, 'install', 'kubectl')));
});

test('a downloaded kubectl whose checksum does not match aborts the build and is not installed', () => {
  const build = withDownload(true);
  assert.equal(build.ok, false);
  assert.equal(build.failedPhase, 'install');
  assert.ok(!existsSync(join(build.dir, 'install', 'kubectl')));
  assert.ok(!build.calls.some((c) => c.startsWith('aws')));
});
