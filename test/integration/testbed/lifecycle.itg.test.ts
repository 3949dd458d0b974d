import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ComponentStartError, nodeBinary, repoRoot, startDockerd, startTestbed } from '@slipway/testbed';

/** PIDs of processes whose command line mentions `needle`. */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch {
    return true;
  }
}

/** Starts `scripts/testbed.ts` and resolves once it printed its export block. */
function startTestbedScript(
  components: string[],
): Promise<{ child: ReturnType<typeof spawn>; output: () => string }> {
  const child = spawn(nodeBinary(24), ['--import', 'tsx', 'scripts/testbed.ts', ...components], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run testbed did not come up:\n${out}`)), 90_000);
    const check = setInterval(() => {
      if (out.includes('Press Ctrl-C')) {
        clearTimeout(timer);
        clearInterval(check);
        resolve({ child, output: () => out });
      }
    }, 100);
    child.on('exit', (code) => {
      clearTimeout(timer);
      clearInterval(check);
      if (!out.includes('Press Ctrl-C')) reject(new Error(`npm run testbed exited with ${code}:\n${out}`));
    });
  });
}

test('a component that is not installed fails the start with ComponentStartError naming it', async () => {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    await assert.rejects(startTestbed({ components: ['moto', 'slack'] }), (err: unknown) => {
      assert.ok(err instanceof ComponentStartError);
      assert.equal(err.component, 'moto');
      assert.match(err.message, /moto could not start: moto_server is not installed/);
      return true;
    });
  } finally {
    process.env.PATH = path;
  }
});

test('dockerd that cannot listen fails with a message naming dockerd and its last log lines', async () => {
  // A socket path over the 108-byte unix limit: exactly what a deep CI checkout used to cause.
  const deep = join(mkdtempSync(join(tmpdir(), 'slipway-deep-')), 'd'.repeat(60), 'e'.repeat(60));
  mkdirSync(deep, { recursive: true });
  const logDir = mkdtempSync(join(tmpdir(), 'slipway-logs-'));
  try {
    await assert.rejects(startDockerd({ stateDir: deep, logDir }), (err: unknown) => {
      assert.ok(err instanceof ComponentStartError);
      assert.equal(err.component, 'dockerd');
      assert.match(err.message, /dockerd could not start: it exited/);
      assert.match(err.message, /--- last lines of .*dockerd\.log ---/);
      assert.ok(err.logTail.length > 0);
      return true;
    });
  } finally {
    rmSync(deep, { recursive: true, force: true });
  }
});

test('npm run testbed stops every server and removes its state dir on Ctrl-C', async () => {
  const { child, output } = await startTestbedScript([]);
  const out = output();
  const motoUrl = out.match(/^export AWS_ENDPOINT_URL='([^']+)'/m)?.[1];
  const dockerHost = out.match(/^export DOCKER_HOST='unix:\/\/([^']+)\/docker\.sock'/m)?.[1];
  assert.ok(motoUrl && dockerHost, out);
  assert.equal(await refused(`${motoUrl}/moto-api/`), false);
  assert.ok(processesMentioning(dockerHost).length > 0, 'dockerd runs');

  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 130);
  assert.equal(await refused(`${motoUrl}/moto-api/`), true);
  assert.deepEqual(processesMentioning(dockerHost), []);
  assert.equal(existsSync(dockerHost), false, 'the /tmp/slw-… state dir is removed');
});

test('servers die with the owner even when it is killed without a chance to clean up', async () => {
  const { child, output } = await startTestbedScript(['moto']);
  const motoUrl = output().match(/^export AWS_ENDPOINT_URL='([^']+)'/m)?.[1];
  const stateDir = output().match(/^state +(\S+)/m)?.[1];
  assert.ok(motoUrl && stateDir, output());
  child.kill('SIGKILL');
  // The watchdog around each server polls its owner once a second.
  for (let i = 0; i < 30 && !(await refused(`${motoUrl}/moto-api/`)); i++) await sleep(500);
  assert.equal(await refused(`${motoUrl}/moto-api/`), true);
  rmSync(stateDir, { recursive: true, force: true });
});
