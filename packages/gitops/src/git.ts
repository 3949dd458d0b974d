import { proxyFor } from '@slipway/net/proxy';

/** How the token is presented to the Git server. */
export type AuthScheme = 'basic' | 'bearer';

/** The result of one git command. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** An expected failure talking to the config repository, with a message that says what to change. */
export class GitOpsError extends Error {
  override readonly name = 'GitOpsError';
}

/** A git command that failed; `stderr` is kept for the explanation. */
export class GitCommandError extends Error {
  override readonly name = 'GitCommandError';
  constructor(
    readonly command: string,
    readonly result: GitResult,
  ) {
    super(`git ${command} exited with code ${result.code}: ${lastLines(result.stderr || result.stdout)}`);
  }
}

/** The last few non-empty lines of git's output, for messages. */
export function lastLines(text: string, count = 4): string {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean)
    .slice(-count)
    .join(' / ');
}

/** The `Authorization` header value for a token; GitHub takes Basic with any user name, or Bearer. */
export function authorizationHeader(token: string, scheme: AuthScheme): string {
  return scheme === 'bearer'
    ? `Authorization: Bearer ${token}`
    : `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
}

/**
 * The certificate authorities git must trust for an https remote when NODE_EXTRA_CA_CERTS names a
 * private CA, as PEM text; undefined when git's own settings apply (no NODE_EXTRA_CA_CERTS, or
 * GIT_SSL_CAINFO set, which git prefers anyway). git does not read NODE_EXTRA_CA_CERTS, and its
 * `http.sslCAInfo` replaces the default trust rather than adding to it, so the bundle holds what
 * Node trusts (its bundled roots and the extra CA) and what git trusted before (the system store,
 * where Node can read it): a config repository on github.com still works beside a private CA.
 */
export async function gitCaBundle(env: NodeJS.ProcessEnv, remote: string): Promise<string | undefined> {
  const extraFile = env.NODE_EXTRA_CA_CERTS;
  if (!extraFile || env.GIT_SSL_CAINFO || !remote.startsWith('https:')) return undefined;
  // Loaded here, not at start: most runs have no private CA.
  const [{ readFile }, { default: tls }] = await Promise.all([
    import('node:fs/promises'),
    import('node:tls'),
  ]);
  let extra: string;
  try {
    extra = await readFile(extraFile, 'utf8');
  } catch {
    // Node has already warned that it ignores the file; git keeps its own trust.
    return undefined;
  }
  // tls.getCACertificates arrived in Node 22.15 / 23.10; the system store is a bonus where it exists.
  const getCACertificates = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  let system: string[];
  try {
    system = getCACertificates?.('system') ?? [];
  } catch {
    system = [];
  }
  const certs = new Set([...tls.rootCertificates, ...system].map((pem) => pem.trim()));
  return `${[...certs].join('\n')}\n${extra.trim()}\n`;
}

/**
 * The environment for git: the token enters as `http.<origin>.extraHeader` through git's
 * `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` (git ≥ 2.31), so it is on no command
 * line (visible to every user in the process list) and in no config file; the header is scoped
 * to the repository's origin, so a redirect to another host never receives it. Entries already
 * in the environment are kept. Credential helpers are switched off, so nothing is stored, and
 * git never prompts.
 */
export function gitEnvironment(
  base: NodeJS.ProcessEnv,
  auth: { token: string; scheme: AuthScheme; origin: string } | undefined,
  /** A CA bundle file for the remote ({@link gitCaBundle}), given to git as `http.sslCAInfo`. */
  caInfo?: string,
): NodeJS.ProcessEnv {
  // The proxy is chosen by Slipway's rules (NO_PROXY with IPs and CIDR blocks, upper-case
  // variables for http:// too), not curl's, and handed to git as http.proxy: an empty value
  // makes curl ignore its own proxy variables.
  const proxy = auth ? proxyFor(new URL(auth.origin), base) : undefined;
  const env: NodeJS.ProcessEnv = { ...base, GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never' };
  // GIT_TRACE_CURL would print the header unless redaction (git's default) stays on.
  env.GIT_TRACE_REDACT = '1';
  const existing = Number.parseInt(base.GIT_CONFIG_COUNT ?? '0', 10);
  let count = Number.isSafeInteger(existing) && existing > 0 ? existing : 0;
  const add = (key: string, value: string) => {
    env[`GIT_CONFIG_KEY_${count}`] = key;
    env[`GIT_CONFIG_VALUE_${count}`] = value;
    count++;
  };
  add('credential.helper', '');
  add('commit.gpgsign', 'false');
  add('core.hooksPath', '/dev/null');
  if (auth?.token) add(`http.${auth.origin}.extraHeader`, authorizationHeader(auth.token, auth.scheme));
  if (auth) add('http.proxy', proxy?.href ?? '');
  if (caInfo) add('http.sslCAInfo', caInfo);
  env.GIT_CONFIG_COUNT = String(count);
  return env;
}

/** Runs git commands in one working directory with one environment. */
export class Git {
  constructor(
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly timeoutMs = 300_000,
  ) {}

  /** Runs `git args…`; throws GitCommandError on a non-zero exit unless `allowFailure`. */
  async run(args: string[], opts: { allowFailure?: boolean } = {}): Promise<GitResult> {
    // Loaded here, not at the top: child_process (with net and dgram) would add a sixth of
    // `node -e 0` to every start of the actions that import this package, before any input is read.
    const { spawn } = await import('node:child_process');
    const result = await new Promise<GitResult>((resolve, reject) => {
      const child = spawn('git', args, {
        cwd: this.cwd,
        env: this.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? new GitOpsError('git is not installed or not on PATH; install git 2.31 or later on the runner')
            : err,
        );
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      });
    });
    if (result.code !== 0 && !opts.allowFailure) throw new GitCommandError(args[0] ?? '', result);
    return result;
  }

  /** stdout of a command that must succeed, trimmed. */
  async output(args: string[]): Promise<string> {
    return (await this.run(args)).stdout.trim();
  }
}
