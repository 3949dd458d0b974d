import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ActionError, collectingLogger, silentLogger } from '@slipway/action-kit';
import {
  addDockerLogins,
  basicAuth,
  dockerConfigPath,
  readDockerConfig,
  removeDockerLogins,
  restoreDockerLogins,
  saveUndoFile,
  takeUndoFile,
  undoIsTrivial,
} from '@slipway/aws/docker-config.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'slw-dc-'));
  dirs.push(dir);
  return dir;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const ecrHost = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const login = { host: ecrHost, username: 'AWS', password: 'ecr-password-1' };

function configWith(content: unknown): string {
  const path = join(tempDir(), 'config.json');
  writeFileSync(path, JSON.stringify(content, null, 2));
  return path;
}

describe('dockerConfigPath', () => {
  it('uses DOCKER_CONFIG, else ~/.docker', () => {
    assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/cfg' }, '/home/u'), '/cfg/config.json');
    assert.equal(dockerConfigPath({}, '/home/u'), '/home/u/.docker/config.json');
  });
});

describe('addDockerLogins and removeDockerLogins', () => {
  it('creates an owner-only config with the login docker reads, and logout leaves no entry', async () => {
    const path = join(tempDir(), 'new-dir', 'config.json');
    const undo = await addDockerLogins(path, [login], silentLogger);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readDockerConfig(path), {
      auths: { [ecrHost]: { auth: basicAuth('AWS', 'ecr-password-1') } },
    });
    assert.equal(Buffer.from(basicAuth('AWS', 'ecr-password-1'), 'base64').toString(), 'AWS:ecr-password-1');
    assert.ok(undoIsTrivial(undo));
    await removeDockerLogins(path, undo, silentLogger);
    assert.deepEqual(readDockerConfig(path), { auths: {} });
  });

  it('keeps every other entry and setting, and logout removes only its own host', async () => {
    const before = {
      auths: { 'ghcr.io': { auth: 'Z2g6dG9rZW4=' }, 'registry.example.com:5000': { auth: 'dTpw' } },
      HttpHeaders: { 'User-Agent': 'Docker-Client/28' },
      proxies: { default: { httpProxy: 'http://proxy:3128' } },
      credHelpers: { 'gcr.io': 'gcloud' },
      currentContext: 'ci',
    };
    const path = configWith(before);
    const undo = await addDockerLogins(path, [login], silentLogger);
    const during = readDockerConfig(path);
    assert.deepEqual(during.auths?.['ghcr.io'], before.auths['ghcr.io']);
    assert.deepEqual(during.credHelpers, before.credHelpers);
    assert.equal(during.currentContext, 'ci');
    assert.ok(during.auths?.[ecrHost]);
    // Another step logs in elsewhere while we are logged in: that must survive our logout.
    during.auths = { ...during.auths, 'quay.io': { auth: 'cTpx' } };
    writeFileSync(path, JSON.stringify(during));
    await removeDockerLogins(path, undo, silentLogger);
    assert.deepEqual(readDockerConfig(path), {
      ...before,
      auths: { ...before.auths, 'quay.io': { auth: 'cTpx' } },
    });
  });

  it('restores an earlier login for the same host, which the undo record keeps out of step state', async () => {
    const earlier = { auth: basicAuth('AWS', 'older-password'), email: 'ci@example.com' };
    const path = configWith({ auths: { [ecrHost]: earlier } });
    const undo = await addDockerLogins(path, [login], silentLogger);
    assert.equal(readDockerConfig(path).auths?.[ecrHost]?.auth, basicAuth('AWS', 'ecr-password-1'));
    assert.equal(undoIsTrivial(undo), false);
    await removeDockerLogins(path, undo, silentLogger);
    assert.deepEqual(readDockerConfig(path).auths?.[ecrHost], earlier);
  });

  it('sets aside a credHelpers entry for the host while logged in, says so, and puts it back', async () => {
    const path = configWith({ credHelpers: { [ecrHost]: 'ecr-login', 'gcr.io': 'gcloud' } });
    const log = collectingLogger();
    const undo = await addDockerLogins(path, [login], log);
    assert.deepEqual(readDockerConfig(path).credHelpers, { 'gcr.io': 'gcloud' });
    assert.ok(
      log.lines.some(
        (l) => l.includes('docker-credential-ecr-login') && l.includes('post step puts it back'),
      ),
    );
    await removeDockerLogins(path, undo, silentLogger);
    const after = readDockerConfig(path);
    assert.deepEqual(after.credHelpers, { [ecrHost]: 'ecr-login', 'gcr.io': 'gcloud' });
    assert.equal(after.auths?.[ecrHost], undefined);
  });

  it('refuses a config that is not JSON and leaves it untouched', async () => {
    const path = join(tempDir(), 'config.json');
    writeFileSync(path, '{ "auths": ');
    await assert.rejects(addDockerLogins(path, [login], silentLogger), (err: Error) => {
      assert.ok(err instanceof ActionError);
      assert.match(err.message, /is not valid JSON/);
      return true;
    });
    assert.equal(readFileSync(path, 'utf8'), '{ "auths": ');
  });

  it('treats an empty config file as an empty config', async () => {
    const path = join(tempDir(), 'config.json');
    writeFileSync(path, '');
    await addDockerLogins(path, [login], silentLogger);
    assert.ok(readDockerConfig(path).auths?.[ecrHost]);
  });

  it('keeps the mode of an existing config file', async () => {
    const path = configWith({});
    chmodSync(path, 0o640);
    await addDockerLogins(path, [login], silentLogger);
    assert.equal(statSync(path).mode & 0o777, 0o640);
  });

  it('does not recreate a config that was deleted before logout', async () => {
    const path = configWith({});
    const undo = await addDockerLogins(path, [login], silentLogger);
    rmSync(path);
    await removeDockerLogins(path, undo, silentLogger);
    assert.equal(existsSync(path), false);
  });
});

describe('a configured credsStore', () => {
  // A credential helper speaking docker's protocol (github.com/docker/docker-credential-helpers),
  // keeping its store in a JSON file and recording its command lines.
  function fakeHelper(): { bin: string; store: string; argv: string } {
    const dir = tempDir();
    const store = join(dir, 'store.json');
    const argv = join(dir, 'argv.log');
    const bin = join(dir, 'docker-credential-slwtest');
    writeFileSync(
      bin,
      `#!${process.execPath}
const fs = require('node:fs');
const store = ${JSON.stringify(store)};
fs.appendFileSync(${JSON.stringify(argv)}, JSON.stringify(process.argv.slice(2)) + '\\n');
const data = fs.existsSync(store) ? JSON.parse(fs.readFileSync(store, 'utf8')) : {};
const input = fs.readFileSync(0, 'utf8');
const command = process.argv[2];
if (command === 'store' && fs.existsSync(store + '.fail')) { process.stderr.write('keychain is locked\\n'); process.exit(1); }
if (command === 'store') { const c = JSON.parse(input); data[c.ServerURL] = c; }
else if (command === 'get') {
  const c = data[input.trim()];
  if (!c) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
  process.stdout.write(JSON.stringify(c));
} else if (command === 'erase') { delete data[input.trim()]; }
else { process.exit(2); }
fs.writeFileSync(store, JSON.stringify(data));
`,
      { mode: 0o755 },
    );
    return { bin: dir, store, argv };
  }

  function withPath<T>(dir: string, fn: () => Promise<T>): Promise<T> {
    const saved = process.env.PATH;
    process.env.PATH = `${dir}:${saved ?? ''}`;
    return fn().finally(() => {
      process.env.PATH = saved;
    });
  }

  it('stores the login through the helper with the secret on stdin, and erases it on logout', async () => {
    const helper = fakeHelper();
    const path = configWith({ credsStore: 'slwtest' });
    await withPath(helper.bin, async () => {
      const undo = await addDockerLogins(path, [login], silentLogger);
      const stored = JSON.parse(readFileSync(helper.store, 'utf8')) as Record<string, unknown>;
      assert.deepEqual(stored[ecrHost], { ServerURL: ecrHost, Username: 'AWS', Secret: 'ecr-password-1' });
      // docker's own marker entry: the secret is in the store, not in the file.
      assert.deepEqual(readDockerConfig(path), { credsStore: 'slwtest', auths: { [ecrHost]: {} } });
      assert.ok(!readFileSync(helper.argv, 'utf8').includes('ecr-password-1'));
      await removeDockerLogins(path, undo, silentLogger);
    });
    assert.deepEqual(JSON.parse(readFileSync(helper.store, 'utf8')), {});
    assert.deepEqual(readDockerConfig(path), { credsStore: 'slwtest', auths: {} });
  });

  it('keeps the undo file while the helper fails to put the earlier login back, and deletes it once that worked', async () => {
    const helper = fakeHelper();
    const earlier = { ServerURL: ecrHost, Username: 'AWS', Secret: 'older-password' };
    writeFileSync(helper.store, JSON.stringify({ [ecrHost]: earlier }));
    const path = configWith({ credsStore: 'slwtest', auths: { [ecrHost]: {} } });
    const temp = tempDir();
    await withPath(helper.bin, async () => {
      const undo = await addDockerLogins(path, [login], silentLogger);
      const file = saveUndoFile(undo, { RUNNER_TEMP: temp });
      writeFileSync(`${helper.store}.fail`, '');
      await assert.rejects(restoreDockerLogins(path, [ecrHost], file, silentLogger), (err: Error) => {
        assert.ok(err instanceof ActionError);
        assert.match(err.message, /keychain is locked/);
        assert.ok(err.message.includes(`the earlier login to put back stays in ${file}`), err.message);
        assert.ok(!err.message.includes('older-password'));
        return true;
      });
      assert.ok(existsSync(file), 'the undo record survives the failed logout');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      rmSync(`${helper.store}.fail`);
      // The next logout (the step's post run again, or another ecr-login step's) still has the record.
      await restoreDockerLogins(path, [ecrHost], file, silentLogger);
      assert.equal(existsSync(file), false);
    });
    assert.deepEqual(JSON.parse(readFileSync(helper.store, 'utf8')), { [ecrHost]: earlier });
  });

  it('puts an earlier stored login back on logout', async () => {
    const helper = fakeHelper();
    const earlier = { ServerURL: ecrHost, Username: 'AWS', Secret: 'older-password' };
    writeFileSync(helper.store, JSON.stringify({ [ecrHost]: earlier }));
    const path = configWith({ credsStore: 'slwtest', auths: { [ecrHost]: {} } });
    await withPath(helper.bin, async () => {
      const undo = await addDockerLogins(path, [login], silentLogger);
      assert.equal(
        (JSON.parse(readFileSync(helper.store, 'utf8')) as Record<string, { Secret: string }>)[ecrHost]
          ?.Secret,
        'ecr-password-1',
      );
      await removeDockerLogins(path, undo, silentLogger);
    });
    assert.deepEqual(JSON.parse(readFileSync(helper.store, 'utf8')), { [ecrHost]: earlier });
    assert.deepEqual(readDockerConfig(path).auths, { [ecrHost]: {} });
  });

  it('fails clearly when the store helper is not installed, leaving the config as it was', async () => {
    const path = configWith({ credsStore: 'slw-not-installed' });
    const before = readFileSync(path, 'utf8');
    await assert.rejects(
      addDockerLogins(path, [login], silentLogger),
      /credentials store "slw-not-installed" but docker-credential-slw-not-installed is not on PATH/,
    );
    assert.equal(readFileSync(path, 'utf8'), before);
  });
});

describe('the undo file', () => {
  it('is owner-only under RUNNER_TEMP and is deleted when read', () => {
    const temp = tempDir();
    const undo = [{ host: ecrHost, previousAuth: { auth: basicAuth('AWS', 'older') } }];
    const file = saveUndoFile(undo, { RUNNER_TEMP: temp });
    assert.ok(file.startsWith(temp));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(takeUndoFile(file), undo);
    assert.equal(existsSync(file), false);
    assert.equal(takeUndoFile(file), undefined);
  });
});
