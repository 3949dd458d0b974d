import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from './paths.ts';

/** A running watch of the machine's process list. */
export interface ProcessWatch {
  /** Stops polling; returns every distinct command line seen (arguments joined by spaces). */
  stop(): string[];
}

/**
 * Polls `/proc/<pid>/cmdline` of every process every `intervalMs` and keeps each distinct command
 * line: what `ps` shows any user of the machine while a step runs. Short-lived processes can slip
 * between two polls; {@link gitArgvRecorder} sees every git invocation.
 */
export function watchProcesses(intervalMs = 5): ProcessWatch {
  const seen = new Set<string>();
  const poll = () => {
    let entries: string[];
    try {
      entries = readdirSync('/proc');
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (cmdline) seen.add(cmdline.split('\0').join(' ').trim());
      } catch {
        // the process ended between readdir and read
      }
    }
  };
  poll();
  const timer = setInterval(poll, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      poll();
      return [...seen];
    },
  };
}

/** A `git` on PATH that records each invocation, then runs the real git. */
export interface GitArgvRecorder {
  /** Put this folder first on PATH. */
  binDir: string;
  /** The argument vectors of every git command run so far. */
  argvs(): string[][];
  /** The `.git/config` of the working directory at each git command (when there was one). */
  configs(): string[];
}

/**
 * Writes a `git` wrapper that appends its argv (and the `.git/config` of its working directory)
 * to log files and execs the real git: proof of what every git command saw, however short-lived.
 */
export function gitArgvRecorder(): GitArgvRecorder {
  const real = findExecutable('git');
  if (!real) throw new Error('git is not installed');
  const binDir = mkdtempSync(join(tmpdir(), 'slipway-git-argv-'));
  const argvLog = join(binDir, 'argv.log');
  const configLog = join(binDir, 'config.log');
  writeFileSync(argvLog, '');
  writeFileSync(configLog, '');
  writeFileSync(
    join(binDir, 'git'),
    `#!/bin/sh
{ for a in "$@"; do printf '%s\\037' "$a"; done; printf '\\036'; } >> '${argvLog}'
if [ -f .git/config ]; then { cat .git/config; printf '\\036'; } >> '${configLog}'; fi
exec '${real}' "$@"
`,
  );
  chmodSync(join(binDir, 'git'), 0o755);
  const records = (file: string) =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\x1e')
          .filter((r) => r.length > 0)
      : [];
  return {
    binDir,
    argvs: () => records(argvLog).map((r) => r.split('\x1f').slice(0, -1)),
    configs: () => records(configLog),
  };
}
