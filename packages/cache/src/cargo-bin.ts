import { chmod, copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where the cache keeps the binaries a job added to `$CARGO_HOME/bin` (`cargo install …`). The bin
 * folder itself also holds rustup's proxies (`cargo`, `rustc`, …), which belong to the runner's
 * toolchain and must never be cached or overwritten, so only the additions travel, through this
 * folder inside CARGO_HOME.
 */
export function binStagingDir(cargoHome: string): string {
  return join(cargoHome, '.slipway-cache-bin');
}

/** cargo install's records: without them a later `cargo install` refuses the restored binaries. */
const INSTALL_RECORDS = ['.crates.toml', '.crates2.json'];

/** The file names in `$CARGO_HOME/bin` (before the restore, to know what the job adds). */
export async function listCargoBins(cargoHome: string): Promise<string[]> {
  const entries = await readdir(join(cargoHome, 'bin'), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
}

/**
 * After a restore: puts the cached binaries back into `$CARGO_HOME/bin`, never replacing one that
 * is already there (the runner's own wins). Returns the names restored.
 */
export async function unstageCargoBins(cargoHome: string): Promise<string[]> {
  const staging = binStagingDir(cargoHome);
  const bin = join(cargoHome, 'bin');
  const restored: string[] = [];
  const present = new Set(await listCargoBins(cargoHome));
  const staged = await readdir(join(staging, 'bin')).catch(() => [] as string[]);
  if (staged.length > 0) await mkdir(bin, { recursive: true });
  for (const name of staged) {
    if (present.has(name)) continue;
    await copyFile(join(staging, 'bin', name), join(bin, name));
    await chmod(join(bin, name), (await stat(join(staging, 'bin', name))).mode);
    restored.push(name);
  }
  for (const name of INSTALL_RECORDS) {
    const exists = await stat(join(cargoHome, name)).catch(() => undefined);
    if (!exists) await copyFile(join(staging, name), join(cargoHome, name)).catch(() => undefined);
  }
  return restored;
}

/**
 * Before a save: fills the staging folder with the binaries that were not in `$CARGO_HOME/bin`
 * when the step started (restored ones included, so they stay cached) and cargo install's records.
 */
export async function stageCargoBins(cargoHome: string, before: readonly string[]): Promise<string[]> {
  const staging = binStagingDir(cargoHome);
  await rm(staging, { recursive: true, force: true });
  const old = new Set(before);
  const added = (await listCargoBins(cargoHome)).filter((name) => !old.has(name));
  if (added.length === 0) return added;
  await mkdir(join(staging, 'bin'), { recursive: true });
  for (const name of added) {
    await copyFile(join(cargoHome, 'bin', name), join(staging, 'bin', name));
    await chmod(join(staging, 'bin', name), (await stat(join(cargoHome, 'bin', name))).mode);
  }
  for (const name of INSTALL_RECORDS) {
    await copyFile(join(cargoHome, name), join(staging, name)).catch(() => undefined);
  }
  return added;
}
