// Real toolchains behind logging wrappers, so tests see which commands a plan runs.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The real binary behind a command on this machine (pyenv shims resolved), or undefined. */
export function realTool(name: string): string | undefined {
  try {
    const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    if (found.includes('/.pyenv/shims/')) {
      return execFileSync('pyenv', ['which', name], { encoding: 'utf8' }).trim();
    }
    return found || undefined;
  } catch {
    return undefined;
  }
}

/** A folder of wrappers: each logs `name args` and runs the real tool, or hangs (`'hang'`). */
export interface ToolDir {
  bin: string;
  /** Commands run so far, one `name args` per line. */
  calls(): string[];
  /** Environment with PATH = only the wrappers, plus what rustup needs with a temporary HOME. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
}

export function toolDir(tools: Record<string, string | 'hang'>): ToolDir {
  const root = mkdtempSync(join(tmpdir(), 'slw-tools-'));
  const bin = join(root, 'bin');
  const log = join(root, 'calls.log');
  mkdirSync(bin);
  writeFileSync(log, '');
  for (const [name, target] of Object.entries(tools)) {
    const body = target === 'hang' ? 'exec /bin/sleep 30' : `exec '${target}' "$@"`;
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> '${log}'\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return {
    bin,
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
    env: (extra = {}) => ({
      PATH: bin,
      RUSTUP_HOME: process.env.RUSTUP_HOME ?? '/root/.rustup',
      ...extra,
    }),
  };
}
