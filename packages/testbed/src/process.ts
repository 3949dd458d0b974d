import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { findExecutable } from './paths.ts';

/**
 * A test-bed component could not start. The message names the component, says why and ends with
 * the last lines of its log, so a failing CI run explains itself without a second look.
 */
export class ComponentStartError extends Error {
  override readonly name = 'ComponentStartError';
  /** Which component: moto, registry, dockerd, slack or cache. */
  readonly component: string;
  /** Why it failed, in one sentence. */
  readonly reason: string;
  /** The last lines of the component's log ('' when it never wrote one). */
  readonly logTail: string;
  /** Where the full log is kept. */
  readonly logFile: string | undefined;

  constructor(component: string, reason: string, logTail = '', logFile?: string) {
    super(
      `test bed: ${component} could not start: ${reason}` +
        (logTail ? `\n--- last lines of ${logFile ?? 'its log'} ---\n${logTail}` : ''),
    );
    this.component = component;
    this.reason = reason;
    this.logTail = logTail;
    this.logFile = logFile;
  }
}

/** Returns the last `lines` lines of a log file ('' when it does not exist). */
export function logTail(file: string, lines = 25): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').trimEnd();
  return text.split('\n').slice(-lines).join('\n');
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// The component runs under a small bash watchdog in its own process group: if the node process
// that owns the test bed dies without cleaning up (SIGKILL, OOM), the watchdog terminates the
// component instead of leaving servers behind on a CI machine.
const WATCHDOG = `
owner=$1; shift
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
while kill -0 "$child" 2>/dev/null; do
  if ! kill -0 "$owner" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
      kill -0 "$child" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL 0
  fi
  sleep 1 & wait $!
done
wait "$child"
`;

const running = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when the owner exits without calling stop(): nothing async can run here.
  process.on('exit', () => {
    for (const proc of running) proc.killNow();
  });
}

/** Options for {@link ManagedProcess.start}. */
export interface ManagedProcessOptions {
  /** Component name used in errors. */
  component: string;
  command: string;
  args: string[];
  /** Where stdout and stderr go (appended). */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** A server process in its own process group, logged to a file, stopped with its whole group. */
export class ManagedProcess {
  private readonly child: ChildProcess;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  readonly component: string;
  readonly logFile: string;

  private constructor(component: string, logFile: string, child: ChildProcess) {
    this.component = component;
    this.logFile = logFile;
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        running.delete(this);
        resolve();
      });
    });
  }

  /** Starts `command args…`; throws ComponentStartError when the command is not installed. */
  static start(opts: ManagedProcessOptions): ManagedProcess {
    const env = opts.env ?? process.env;
    if (!opts.command.includes('/') && !findExecutable(opts.command, env.PATH)) {
      throw new ComponentStartError(
        opts.component,
        `${opts.command} is not installed or not on PATH (run scripts/install-testbed.sh)`,
      );
    }
    const fd = openSync(opts.logFile, 'a');
    try {
      const child = spawn(
        'bash',
        ['-c', WATCHDOG, 'slw-watchdog', String(process.pid), opts.command, ...opts.args],
        {
          detached: true,
          stdio: ['ignore', fd, fd],
          env,
          cwd: opts.cwd,
        },
      );
      const proc = new ManagedProcess(opts.component, opts.logFile, child);
      child.on('error', () => undefined);
      running.add(proc);
      installExitHook();
      return proc;
    } finally {
      closeSync(fd);
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Set once the process has exited. */
  get exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exitInfo;
  }

  /** The last lines of this component's log. */
  tail(lines = 25): string {
    return logTail(this.logFile, lines);
  }

  /** A ComponentStartError for this component carrying its log tail. */
  startError(reason: string): ComponentStartError {
    return new ComponentStartError(this.component, reason, this.tail(), this.logFile);
  }

  /**
   * Polls `check` until it returns true. Fails fast when the process exits, and after `timeoutMs`
   * with the component's log tail.
   */
  async waitUntilReady(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    for (;;) {
      if (this.exitInfo) {
        const { code, signal } = this.exitInfo;
        throw this.startError(`it exited (${signal ?? `code ${code}`}) before ${what}`);
      }
      try {
        if (await check()) return;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() > deadline) {
        await this.stop(2000);
        throw this.startError(
          `${what} did not happen within ${Math.round(timeoutMs / 1000)} s` +
            (lastError ? ` (${lastError})` : ''),
        );
      }
      await sleep(200);
    }
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exitInfo) return;
    this.signalGroup('SIGTERM');
    // The grace timer must not outlive the process: a pending timer would keep node alive.
    const grace = new AbortController();
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      sleep(graceMs, true, { signal: grace.signal }).catch(() => false),
    ]);
    grace.abort();
    if (timedOut) {
      this.signalGroup('SIGKILL');
      await this.exited;
    }
  }

  /** Synchronous SIGKILL of the group, for process exit hooks. */
  killNow(): void {
    if (!this.exitInfo) this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (!pid) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }
}
