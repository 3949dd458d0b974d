import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One action of the repository: its name, action.yml and main source. */
export interface ActionInfo {
  name: string;
  actionYml: string;
  mainSource: string;
  readme: string;
  /** Folder holding the action's TypeScript sources. */
  sourceDir: string;
}

/** Every action: `actions/<name>/` plus the root one-step action (named `slipway`) when present. */
export function listActions(): ActionInfo[] {
  const dir = join(repoRoot, 'actions');
  const found: ActionInfo[] = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'action.yml')))
    .map((d) => ({
      name: d.name,
      actionYml: join(dir, d.name, 'action.yml'),
      mainSource: join(dir, d.name, 'src', 'main.ts'),
      readme: join(dir, d.name, 'README.md'),
      sourceDir: join(dir, d.name, 'src'),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (existsSync(join(repoRoot, 'action.yml')) && existsSync(join(repoRoot, 'src', 'main.ts'))) {
    found.push({
      name: 'slipway',
      actionYml: join(repoRoot, 'action.yml'),
      mainSource: join(repoRoot, 'src', 'main.ts'),
      readme: join(repoRoot, 'README.md'),
      sourceDir: join(repoRoot, 'src'),
    });
  }
  return found;
}
