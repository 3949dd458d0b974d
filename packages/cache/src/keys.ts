import { createHash } from 'node:crypto';

/** The parts of a cache key, in key order. */
export interface KeyParts {
  /** Bump it to start every cache afresh. */
  prefix: string;
  /** `rust`, `node`, `go`, `python`, or `files` for paths given alone. */
  ecosystem: string;
  /** Runner OS and architecture (`linux`, `x64`): built artifacts do not cross them. */
  os: string;
  arch: string;
  /** The job id, plus the `key` input when given (a matrix value). */
  job: string;
  /** Hash of the toolchain version and the environment that changes what it builds. */
  toolchainHash: string;
  /** Hash of the lockfiles. */
  lockfileHash: string;
}

/** A primary key and the keys to fall back on, best first. */
export interface CacheKeys {
  key: string;
  restoreKeys: string[];
}

/**
 * Makes a value safe inside a key: the cache service refuses commas, and keeping to a small
 * alphabet keeps keys readable in the UI and usable as prefixes.
 */
export function keyPart(value: string): string {
  return value.trim().replace(/[^A-Za-z0-9._+=-]+/g, '_') || '_';
}

/**
 * `<prefix>-<ecosystem>-<os>-<arch>-<job>-<toolchain>-<lockfiles>`, with one restore key: the same
 * toolchain without the lockfile part. The service matches restore keys as prefixes and returns the
 * newest entry, so a changed lockfile starts from the last cache built by the same toolchain, while
 * a new toolchain never restores artifacts another compiler built.
 */
export function buildKeys(parts: KeyParts): CacheKeys {
  const head = [parts.prefix, parts.ecosystem, parts.os, parts.arch, parts.job, parts.toolchainHash]
    .map(keyPart)
    .join('-');
  return { key: `${head}-${keyPart(parts.lockfileHash)}`, restoreKeys: [`${head}-`] };
}

/**
 * Hash of what identifies a toolchain: command outputs (`rustc -vV`) and `NAME=value` lines of the
 * environment that changes its output. Sorted, so the order variables were set in does not matter.
 */
export function toolchainHash(identity: readonly string[], env: readonly string[]): string {
  return createHash('sha256')
    .update(identity.join('\n'))
    .update('\n--\n')
    .update([...env].sort().join('\n'))
    .digest('hex')
    .slice(0, 12);
}

/** Names of environment variables that can change a toolchain's output, per ecosystem. */
const RELEVANT_ENV: Record<string, RegExp | undefined> = {
  rust: /^(CARGO_|RUST|CC$|CC_|CXX$|CXX_|CFLAGS|CXXFLAGS|CPPFLAGS|LDFLAGS|CMAKE_|TARGET_CC|HOST_CC)/,
  go: /^(GOFLAGS|GOOS|GOARCH|GOAMD64|GOARM|GOARM64|GO386|GOEXPERIMENT|GOTOOLCHAIN|CGO_)/,
  // npm, pnpm, yarn and pip caches are content-addressed downloads: no variable changes them.
};

/**
 * Variables that match but must stay out: locations (the same build in another folder is the
 * same cache) and anything that may hold a credential (never hash a secret into a public key).
 */
const IGNORED_ENV =
  /(TOKEN|SECRET|PASSWORD|CREDENTIAL|_KEY$)|^(CARGO_HOME|CARGO_TARGET_DIR|RUSTUP_HOME)$|^CARGO_TERM_/;

/** The `NAME=value` lines of `env` that go into an ecosystem's toolchain hash. */
export function relevantEnv(ecosystem: string, env: NodeJS.ProcessEnv): string[] {
  const pattern = RELEVANT_ENV[ecosystem];
  if (!pattern) return [];
  return Object.entries(env)
    .filter(([name, value]) => value !== undefined && pattern.test(name) && !IGNORED_ENV.test(name))
    .map(([name, value]) => `${name}=${value}`)
    .sort();
}
