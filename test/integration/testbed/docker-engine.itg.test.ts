// The test bed's choice of Docker engine: on a GitHub-hosted runner (or with SLIPWAY_DOCKER_HOST /
// DOCKER_HOST naming one) it uses the engine that is already there instead of starting a second
// dockerd under sudo, and afterwards removes only what the tests added to it. A dockerd of our own
// plays the runner's engine here; the second start must reuse it, not start another.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  currentLogDir,
  shortTempDir,
  startDockerEngine,
  startDockerd,
  uniqueName,
  writeDockerArchive,
  type DockerDaemon,
} from '@slipway/testbed';

const exec = promisify(execFile);

/** PIDs of dockerd processes whose command line mentions `needle`. */
function dockerdsMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.startsWith('dockerd') && cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

async function docker(host: string, args: string[]): Promise<string> {
  const { stdout } = await exec('docker', args, { env: { ...process.env, DOCKER_HOST: host } });
  return stdout.trim();
}

async function hasImage(host: string, ref: string): Promise<boolean> {
  try {
    await docker(host, ['image', 'inspect', ref]);
    return true;
  } catch {
    return false;
  }
}

async function loadImage(host: string, name: string): Promise<string> {
  const archive = join(mkdtempSync(join(tmpdir(), 'slw-engine-')), 'image.tar');
  const id = await writeDockerArchive(archive, {
    layers: 1,
    layerSize: 4096,
    seed: name,
    repoTags: [`${name}:v1`],
  });
  await docker(host, ['load', '-i', archive]);
  rmSync(join(archive, '..'), { recursive: true, force: true });
  return id;
}

describe("the test bed's Docker engine", () => {
  let root: string;
  let runnerEngine: DockerDaemon;
  before(async () => {
    root = shortTempDir();
    // Plays the engine a GitHub-hosted runner already has.
    runnerEngine = await startDockerd({ stateDir: join(root, 'runner'), logDir: currentLogDir() });
  });
  after(async () => {
    await runnerEngine.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("on GitHub Actions uses the runner's engine instead of starting a second dockerd, and removes only what the tests added", async () => {
    const kept = uniqueName('runner-own');
    const keptId = await loadImage(runnerEngine.host, kept);
    const stateDir = join(root, 'reuse');
    const engine = await startDockerEngine({
      stateDir,
      logDir: currentLogDir(),
      env: { GITHUB_ACTIONS: 'true', DOCKER_HOST: runnerEngine.host },
    });
    assert.equal(engine.origin, 'runner');
    assert.equal(engine.host, runnerEngine.host);
    assert.equal(existsSync(join(stateDir, 'docker.sock')), false, 'no socket of a second dockerd');
    assert.deepEqual(dockerdsMentioning(stateDir), [], 'no second dockerd was started');

    // What the tests do with the engine: load, tag (also an image the runner had), create.
    const added = uniqueName('test-added');
    const addedId = await loadImage(engine.host, added);
    await docker(engine.host, ['tag', `${kept}:v1`, `${kept}:retagged-by-a-test`]);
    const container = await docker(engine.host, ['create', `${added}:v1`, '/bin/true']);
    assert.ok(container);

    await engine.stop();
    assert.equal(await hasImage(runnerEngine.host, `${added}:v1`), false, 'the loaded image is removed');
    assert.equal(await hasImage(runnerEngine.host, addedId), false, 'and its image ID too');
    assert.equal(
      await hasImage(runnerEngine.host, `${kept}:retagged-by-a-test`),
      false,
      'the added tag is removed',
    );
    assert.equal(await hasImage(runnerEngine.host, `${kept}:v1`), true, "the runner's image stays");
    assert.equal(
      await docker(runnerEngine.host, ['image', 'inspect', '--format', '{{.Id}}', `${kept}:v1`]),
      keptId,
    );
    assert.equal(await docker(runnerEngine.host, ['ps', '-aq', '--filter', `id=${container}`]), '');
    // The runner's engine itself keeps running.
    assert.match(await docker(runnerEngine.host, ['info', '--format', '{{.ServerVersion}}']), /^\d+\./);
  });

  it('SLIPWAY_DOCKER_HOST names an engine to use outside GitHub Actions too', async () => {
    const engine = await startDockerEngine({
      stateDir: join(root, 'explicit'),
      logDir: currentLogDir(),
      env: { SLIPWAY_DOCKER_HOST: runnerEngine.host },
    });
    try {
      assert.equal(engine.origin, 'runner');
      assert.equal(engine.host, runnerEngine.host);
    } finally {
      await engine.stop();
    }
  });

  it('starts a dockerd of its own when the named engine does not answer, or none is named', async () => {
    for (const [label, env] of [
      [
        'a runner socket nobody listens on',
        { GITHUB_ACTIONS: 'true', DOCKER_HOST: `unix://${root}/none.sock` },
      ],
      ['no engine named, not on GitHub Actions', {}],
    ] as const) {
      const stateDir = join(root, `own-${Object.keys(env).length}`);
      const engine = await startDockerEngine({ stateDir, logDir: currentLogDir(), env });
      try {
        assert.equal(engine.origin, 'own', label);
        assert.equal(engine.host, `unix://${stateDir}/docker.sock`, label);
        assert.equal(dockerdsMentioning(stateDir).length, 1, `${label}: one dockerd of its own`);
        assert.match(await docker(engine.host, ['info', '--format', '{{.ServerVersion}}']), /^\d+\./);
      } finally {
        await engine.stop();
      }
      assert.deepEqual(dockerdsMentioning(stateDir), [], `${label}: its dockerd is stopped`);
    }
  });
});
