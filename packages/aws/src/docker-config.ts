/**
 * Registry logins in the Docker client config (`$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`), written the way `docker login` writes them, without running docker:
 * no password on a command line, no daemon needed, and readable by docker, buildx and skopeo.
 *
 * Docker picks the credential store per registry host (docker/cli `GetCredentialsStore`):
 * a `credHelpers[host]` entry wins, else a global `credsStore`, else the `auths` map in the file.
 * - No store configured: `auths[host] = { auth: base64(user:password) }`.
 * - `credsStore` configured: the login goes into that store through its helper
 *   (`docker-credential-<name> store`, JSON on stdin), as `docker login` does, and `auths[host]`
 *   gets the empty marker entry docker writes.
 * - `credHelpers[host]` configured: that helper would shadow the new login, so its entry is taken
 *   out for as long as the login lasts and put back by {@link removeDockerLogins}.
 * Whatever was there before for a host (an older login, a helper entry, a store entry) is kept in
 * the undo record and restored on logout; everything else in the file is left as it was.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from '@slipway/action-kit';
import { ActionError } from '@slipway/action-kit';

/** One `auths` entry of the Docker config. */
export interface DockerAuthEntry {
  auth?: string;
  identitytoken?: string;
  [key: string]: unknown;
}

/** The parts of the Docker client config a login touches; every other key is kept as it is. */
export interface DockerConfig {
  auths?: Record<string, DockerAuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/** Credentials for one registry host (`host[:port]`, no scheme). */
export interface RegistryLogin {
  host: string;
  username: string;
  password: string;
}

/**
 * What logging out must put back for one host. May hold an earlier login's secret (`auth`,
 * `store.previous`): keep it in a private file, never in step state or outputs.
 */
export interface DockerLoginUndo {
  host: string;
  /** The `auths` entry that was there before, if any. */
  previousAuth?: DockerAuthEntry;
  /** The `credHelpers` entry that was taken out, if any. */
  previousCredHelper?: string;
  /** Set when the login went into a credentials store through its helper. */
  store?: { helper: string; previous?: { username: string; secret: string } };
}

/** The Docker client config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return join(env.DOCKER_CONFIG || join(home, '.docker'), 'config.json');
}

/** Reads the config; `{}` when the file does not exist or is empty. */
export function readDockerConfig(path: string): DockerConfig {
  if (!existsSync(path)) return {};
  const text = readFileSync(path, 'utf8');
  if (!text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ActionError(
      `the Docker config ${path} is not valid JSON (${(err as Error).message}); fix or remove it, docker cannot read it either`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ActionError(`the Docker config ${path} is not a JSON object; fix or remove it`);
  }
  return parsed as DockerConfig;
}

/**
 * Writes the config atomically (temporary file + rename, so docker never reads half a file),
 * owner-only as docker does, with docker's own tab indentation.
 */
export function writeDockerConfig(path: string, config: DockerConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const mode = existsSync(path) ? statSync(path).mode & 0o777 : 0o600;
  const temp = `${path}.${process.getBuiltinModule('node:crypto').randomUUID()}.tmp`;
  writeFileSync(temp, JSON.stringify(config, null, '\t') + '\n', { mode: 0o600 });
  chmodSync(temp, mode);
  renameSync(temp, path);
}

/** `base64(username:password)`, the `auth` value docker stores (and ECR's authorization token). */
export function basicAuth(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

/** Talks to a Docker credential helper (`docker-credential-<name>`). */
export interface CredentialHelperClient {
  get(helper: string, serverUrl: string): Promise<{ username: string; secret: string } | undefined>;
  store(helper: string, serverUrl: string, username: string, secret: string): Promise<void>;
  erase(helper: string, serverUrl: string): Promise<void>;
}

/**
 * The credential helper protocol (github.com/docker/docker-credential-helpers): the command as the
 * only argument, the payload on stdin — so a secret never appears on a command line.
 */
export const processCredentialHelpers: CredentialHelperClient = {
  async get(helper, serverUrl) {
    const result = await runHelper(helper, 'get', serverUrl);
    if (result.code !== 0) {
      if (/credentials not found/i.test(result.stdout + result.stderr)) return undefined;
      throw helperError(helper, 'get', result);
    }
    // What the helper printed may hold a secret: the error describes it, never quotes it.
    let parsed: unknown;
    try {
      parsed = JSON.parse(result.stdout);
    } catch {
      throw new ActionError(
        `docker-credential-${helper} get printed ${result.stdout.trim() ? `${result.stdout.length} characters that are not JSON` : 'nothing'} for ${serverUrl}; a credential helper prints {"Username": "…", "Secret": "…"}: check the helper, or remove "credsStore"/"credHelpers" from the Docker config`,
      );
    }
    const doc = (parsed && typeof parsed === 'object' ? parsed : {}) as {
      Username?: unknown;
      Secret?: unknown;
    };
    if (
      !parsed ||
      typeof parsed !== 'object' ||
      (doc.Secret !== undefined && typeof doc.Secret !== 'string')
    ) {
      throw new ActionError(
        `docker-credential-${helper} get printed JSON that is not {"Username": "…", "Secret": "…"} for ${serverUrl}: check the helper, or remove "credsStore"/"credHelpers" from the Docker config`,
      );
    }
    return typeof doc.Secret === 'string' && doc.Secret
      ? { username: typeof doc.Username === 'string' ? doc.Username : '', secret: doc.Secret }
      : undefined;
  },
  async store(helper, serverUrl, username, secret) {
    const result = await runHelper(
      helper,
      'store',
      JSON.stringify({ ServerURL: serverUrl, Username: username, Secret: secret }),
    );
    if (result.code !== 0) throw helperError(helper, 'store', result);
  },
  async erase(helper, serverUrl) {
    const result = await runHelper(helper, 'erase', serverUrl);
    if (result.code !== 0 && !/credentials not found/i.test(result.stdout + result.stderr)) {
      throw helperError(helper, 'erase', result);
    }
  },
};

interface HelperResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function runHelper(helper: string, command: string, input: string): Promise<HelperResult> {
  const { spawn } = await import('node:child_process');
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [command], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new ActionError(
              `the Docker config sets the credentials store "${helper}" but ${program} is not on PATH, so docker cannot use it either: install it or remove "credsStore" from the Docker config`,
            )
          : e,
      ),
    );
    child.on('close', (code) =>
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => {
      // The helper may exit without reading stdin; its exit code tells what happened.
    });
    child.stdin.end(input);
  });
}

function helperError(helper: string, command: string, result: HelperResult): ActionError {
  // Helpers print only messages, never the secret they were given, but keep it to one line.
  const said = (result.stderr || result.stdout).trim().split('\n')[0] ?? '';
  return new ActionError(`docker-credential-${helper} ${command} failed (exit ${result.code}): ${said}`);
}

/**
 * Adds the logins to the Docker config at `path` and returns what {@link removeDockerLogins} needs
 * to undo exactly these changes.
 */
export async function addDockerLogins(
  path: string,
  logins: RegistryLogin[],
  log: Logger,
  helpers: CredentialHelperClient = processCredentialHelpers,
): Promise<DockerLoginUndo[]> {
  const config = readDockerConfig(path);
  const undo: DockerLoginUndo[] = [];
  for (const login of logins) {
    const record: DockerLoginUndo = { host: login.host };
    const previousAuth = config.auths?.[login.host];
    if (previousAuth !== undefined) record.previousAuth = previousAuth;
    const helper = config.credHelpers?.[login.host];
    if (helper !== undefined && config.credHelpers) {
      record.previousCredHelper = helper;
      Reflect.deleteProperty(config.credHelpers, login.host);
      log.info(
        `The Docker config sends ${login.host} to the credential helper docker-credential-${helper}, which would hide this login: that entry is set aside until the post step puts it back.`,
      );
    }
    config.auths ??= {};
    if (config.credsStore) {
      const previous = await helpers.get(config.credsStore, login.host);
      record.store = { helper: config.credsStore, ...(previous ? { previous } : {}) };
      await helpers.store(config.credsStore, login.host, login.username, login.password);
      // docker login leaves this empty marker in the file when a store holds the secret.
      config.auths[login.host] = {};
      log.debug(`stored the login for ${login.host} in docker-credential-${config.credsStore}`);
    } else {
      config.auths[login.host] = { auth: basicAuth(login.username, login.password) };
    }
    undo.push(record);
  }
  writeDockerConfig(path, config);
  return undo;
}

/**
 * Removes the logins {@link addDockerLogins} made and puts back what was there before them;
 * entries for other hosts, and later changes to them, are left alone.
 */
export async function removeDockerLogins(
  path: string,
  undo: DockerLoginUndo[],
  log: Logger,
  helpers: CredentialHelperClient = processCredentialHelpers,
): Promise<void> {
  if (!existsSync(path) && undo.every((r) => !r.store)) {
    log.info(`${path} is gone: no Docker login left to remove`);
    return;
  }
  const config = readDockerConfig(path);
  for (const record of undo) {
    if (record.store) {
      if (record.store.previous) {
        await helpers.store(
          record.store.helper,
          record.host,
          record.store.previous.username,
          record.store.previous.secret,
        );
      } else {
        await helpers.erase(record.store.helper, record.host);
      }
    }
    if (record.previousAuth !== undefined) {
      config.auths ??= {};
      config.auths[record.host] = record.previousAuth;
    } else if (config.auths) {
      Reflect.deleteProperty(config.auths, record.host);
    }
    if (record.previousCredHelper !== undefined) {
      config.credHelpers ??= {};
      config.credHelpers[record.host] = record.previousCredHelper;
    }
    const restored = record.previousAuth !== undefined || record.store?.previous || record.previousCredHelper;
    log.info(
      restored ? `Restored the earlier Docker login for ${record.host}` : `Logged out of ${record.host}`,
    );
  }
  writeDockerConfig(path, config);
}

/** True when an undo record holds nothing but host names (so no private file is needed). */
export function undoIsTrivial(undo: DockerLoginUndo[]): boolean {
  return undo.every((r) => r.previousAuth === undefined && r.previousCredHelper === undefined && !r.store);
}

/**
 * Keeps an undo record that may hold earlier secrets in an owner-only file under RUNNER_TEMP
 * (which the runner wipes after the job), so step state only ever holds its path.
 */
export function saveUndoFile(undo: DockerLoginUndo[], env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.RUNNER_TEMP || tmpdir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `slipway-ecr-login-${process.getBuiltinModule('node:crypto').randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(undo), { mode: 0o600 });
  return file;
}

/**
 * The post step's logout: undoes the logins recorded in `restoreFile` (or, without one, removes
 * `hosts`), and deletes the file only once that worked. A failing credential helper leaves the
 * record of the login to put back where it was, and the error says where.
 */
export async function restoreDockerLogins(
  path: string,
  hosts: string[],
  restoreFile: string | undefined,
  log: Logger,
  helpers: CredentialHelperClient = processCredentialHelpers,
): Promise<void> {
  const undo = (restoreFile && readUndoFile(restoreFile)) || hosts.map((host) => ({ host }));
  try {
    await removeDockerLogins(path, undo, log, helpers);
  } catch (err) {
    if (!restoreFile || !existsSync(restoreFile)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new ActionError(
      `${message}; the Docker logins were left as they are, and the earlier login to put back stays in ${restoreFile} (owner-only, removed with RUNNER_TEMP when the job ends)`,
    );
  }
  if (restoreFile) rmSync(restoreFile, { force: true });
}

/** Reads an undo file without removing it; undefined when it is gone. */
export function readUndoFile(file: string): DockerLoginUndo[] | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as DockerLoginUndo[];
}

/** Reads and deletes an undo file; undefined when it is gone. */
export function takeUndoFile(file: string): DockerLoginUndo[] | undefined {
  if (!existsSync(file)) return undefined;
  const undo = JSON.parse(readFileSync(file, 'utf8')) as DockerLoginUndo[];
  rmSync(file, { force: true });
  return undo;
}
