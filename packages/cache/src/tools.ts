import { execFile } from 'node:child_process';

/** The outcome of running a toolchain command. */
export type ToolResult =
  { ok: true; stdout: string } | { ok: false; reason: 'missing' | 'timeout' | 'failed'; message: string };

/** How {@link runTool} runs a command. */
export interface ToolOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Kill the command after this long; a hung toolchain must not hold the job (default 20 s). */
  timeoutMs?: number;
}

/**
 * Runs a toolchain command (`rustc -vV`, `go env …`) and returns its trimmed stdout. Never throws:
 * a missing binary, a timeout or a non-zero exit come back as a result the caller explains.
 */
export function runTool(command: string, args: string[], opts: ToolOptions): Promise<ToolResult> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const shown = [command, ...args].join(' ');
  return new Promise((resolvePromise) => {
    execFile(
      command,
      args,
      {
        cwd: opts.cwd,
        env: opts.env,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (!err) {
          resolvePromise({ ok: true, stdout: stdout.trim() });
          return;
        }
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
        if (e.code === 'ENOENT') {
          resolvePromise({ ok: false, reason: 'missing', message: `${command} is not on PATH` });
        } else if (e.killed) {
          resolvePromise({
            ok: false,
            reason: 'timeout',
            message: `\`${shown}\` did not finish within ${Math.round(timeoutMs / 1000)} s`,
          });
        } else {
          const detail = String(stderr || stdout || e.message)
            .trim()
            .split('\n')
            .slice(-3)
            .join(' / ');
          resolvePromise({ ok: false, reason: 'failed', message: `\`${shown}\` failed: ${detail}` });
        }
      },
    );
  });
}
