// `npm run doctor`, run for real: on this machine (the test bed is installed before the unit
// tests) and on a PATH where the tools are missing or broken.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../../../scripts/lib/actions.ts';

const COMPONENTS = [
  'moto_server',
  'docker-registry',
  'htpasswd',
  'dockerd',
  'docker CLI',
  'skopeo',
  'zstd',
  'jq',
  'unzip',
  'cargo',
  'rustc',
  'tinyproxy',
  'openssl',
  'git',
  'python3 (jinja2, yaml)',
  'cfn-lint',
  'Node 24',
];

interface Report {
  ok: boolean;
  components: { name: string; version?: string; usable: boolean; required: boolean; problem?: string }[];
}

const scratch = mkdtempSync(join(tmpdir(), 'slw-doctor-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function doctor(args: string[], path = process.env.PATH ?? '') {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'scripts', 'doctor.ts'), ...args],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, PATH: path },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run doctor', () => {
  it('lists every test-bed component with its version, and exits 0 when all are usable', () => {
    const r = doctor(['--json']);
    const report = JSON.parse(r.stdout) as Report;
    assert.deepEqual(
      report.components.map((c) => c.name),
      COMPONENTS,
    );
    const broken = report.components.filter((c) => !c.usable && c.required);
    assert.deepEqual(broken, [], 'the test bed is installed before the unit tests run');
    for (const c of report.components.filter((x) => x.usable))
      assert.match(c.version ?? '', /\d/, `${c.name} has a version`);
    assert.deepEqual(
      report.components.filter((c) => !c.required).map((c) => c.name),
      [],
      'every component is required, the Jinja2 oracle included',
    );
    assert.equal(report.ok, true);
    assert.equal(r.code, 0, r.stderr);
    assert.match(report.components.find((c) => c.name === 'Node 24')?.version ?? '', /^24\./);
  });

  it('prints a line per component and a verdict', () => {
    const r = doctor([]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, COMPONENTS.length + 1);
    for (const [i, name] of COMPONENTS.entries())
      assert.match(lines[i] ?? '', new RegExp(`^ok +${name.replace(/[()]/g, '\\$&')} +\\S`));
    assert.equal(lines.at(-1), `doctor: all ${COMPONENTS.length} required test-bed components are usable`);
  });

  it('exits 1 naming each missing component and how to install it, and a broken one with its error', () => {
    // A PATH with node (to run the script) and a cargo that fails; nothing else.
    const bin = join(scratch, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    symlinkSync(process.execPath, join(bin, 'node'));
    writeFileSync(join(bin, 'cargo'), '#!/bin/sh\necho "error: no toolchain installed" >&2\nexit 101\n');
    chmodSync(join(bin, 'cargo'), 0o755);
    const r = doctor(['--json'], bin);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.equal(report.ok, false);
    const byName = new Map(report.components.map((c) => [c.name, c]));
    assert.match(byName.get('skopeo')?.problem ?? '', /^not installed: apt-get install skopeo$/);
    assert.match(byName.get('moto_server')?.problem ?? '', /not installed: pip install 'moto\[server\]'/);
    assert.match(
      byName.get('cargo')?.problem ?? '',
      /cargo --version failed \(error: no toolchain installed\)/,
    );
    // Node 24 is found by its path in node_modules, not on PATH.
    assert.equal(byName.get('Node 24')?.usable, true);

    const text = doctor([], bin);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^MISSING tinyproxy +not installed: apt-get install tinyproxy$/m);
    assert.match(
      text.stdout,
      /^MISSING python3 \(jinja2, yaml\) +not installed: apt-get install python3-jinja2 python3-yaml$/m,
    );
    assert.match(
      text.stdout,
      /^doctor: 16 of 17 required components missing or unusable \(moto_server, .*\); on Debian, bash scripts\/install-testbed\.sh installs the test bed$/m,
    );
  });
});
