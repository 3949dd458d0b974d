import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  cacheRoots,
  findEscapingMembers,
  listTarMembers,
  memberChecker,
  type ArchiveMember,
} from '@slipway/cache';

const WS = '/r/workspace';
const ROOTS = cacheRoots(['~/.npm/_cacache', 'target', 'build/**/*.o'], WS, '/r/home');
const check = (members: ArchiveMember[]) => {
  const c = memberChecker(WS, ROOTS);
  return members.map((m) => c(m));
};
const file = (name: string): ArchiveMember => ({ name, type: 'file', linkname: '' });

describe('cache archive members', () => {
  it('resolves the roots like the library: ~ to home, relative to the workspace, globs cut', () => {
    assert.deepEqual(ROOTS, ['/r/home/.npm/_cacache', '/r/workspace/target', '/r/workspace/build']);
  });

  it('accepts the names @actions/cache writes, leading .. included', () => {
    assert.deepEqual(check([file('../home/.npm/_cacache/x'), file('target/debug/a'), file('build/a/b.o')]), [
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('refuses absolute names, .. out of the roots, .. after a name, and links out', () => {
    const problems = check([
      file('/etc/cron.d/x'),
      file('../outside'),
      file('target/../../outside'),
      { name: 'target/l', type: 'symlink', linkname: '../../../etc' },
      { name: 'target/h', type: 'hardlink', linkname: '../home/.ssh/id_rsa' },
    ]);
    assert.match(problems[0] ?? '', /absolute path/);
    assert.match(problems[1] ?? '', /outside the cached paths/);
    assert.match(problems[2] ?? '', /climbs back up/);
    assert.match(problems[3] ?? '', /symbolic link to \/etc/);
    assert.match(problems[4] ?? '', /hard link to \/r\/home\/\.ssh\/id_rsa/);
  });

  it('refuses a member written through a symbolic link of the same archive', () => {
    const problems = check([{ name: 'target/in', type: 'symlink', linkname: 'debug' }, file('target/in/x')]);
    assert.equal(problems[0], undefined);
    assert.match(problems[1] ?? '', /written through the symbolic link/);
  });

  it('lists a real zstd tar made with GNU tar -P, long and PAX names included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slw-arc-'));
    const long = `target/${'d'.repeat(120)}/${'f'.repeat(120)}`;
    mkdirSync(join(dir, 's'));
    writeFileSync(join(dir, 's', 'p'), 'x'.repeat(5000));
    symlinkSync('../../outside', join(dir, 's', 'l'));
    const tar = join(dir, 'a.tar');
    execFileSync('tar', [
      '-P',
      '--posix',
      '-cf',
      tar,
      '-C',
      join(dir, 's'),
      '--transform',
      `s,^p$,${long},;s,^l$,target/l,`,
      'p',
      'l',
    ]);
    const members = [];
    for await (const m of listTarMembers([readFileSync(tar)])) members.push(m);
    assert.deepEqual(members, [
      { name: long, type: 'file', linkname: '' },
      { name: 'target/l', type: 'symlink', linkname: '../../outside' },
    ]);
    execFileSync('zstd', ['-q', tar, '-o', `${tar}.zst`]);
    const problems = await findEscapingMembers(`${tar}.zst`, 'zstd-without-long', WS, ROOTS);
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /"target\/l" is a symbolic link to \/r\/outside/);
  });
});
