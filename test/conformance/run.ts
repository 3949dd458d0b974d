/**
 * `npm run conformance [-- [--details] [file ...]]`: renders every conformance case with Python's
 * Jinja2 and with @slipway/jinja and prints, per case file, how many cases pass and differ;
 * `--details` also lists each difference. Exits 1 when anything differs or no oracle is found.
 */
import path from 'node:path';
import { compare, findPython, loadCases, renderWithEngine, runOracle } from './harness.ts';
import type { Rendering } from './harness.ts';

const args = process.argv.slice(2);
const details = args.includes('--details');
const only = args.filter((a) => !a.startsWith('--')).map((a) => path.basename(a));

const python = findPython();
if ('error' in python) {
  console.error(`conformance: ${python.error}`);
  process.exit(1);
}
const cases = loadCases(undefined, only);
const oracle = runOracle(python.python, cases);

const perFile = new Map<string, { cases: number; passes: number }>();
const failures: string[] = [];
cases.forEach((c, i) => {
  const row = perFile.get(c.file) ?? { cases: 0, passes: 0 };
  perFile.set(c.file, row);
  row.cases++;
  const verdict = compare(c, oracle[i] as Rendering, renderWithEngine(c));
  if (verdict.pass) row.passes++;
  else failures.push(`✗ ${c.file} › ${c.name}: ${verdict.detail}`);
});

const width = Math.max(...[...perFile.keys()].map((f) => f.length), 'total'.length);
const line = (name: string, n: number, p: number): string =>
  `${name.padEnd(width)}  ${String(n).padStart(5)}  ${String(p).padStart(6)}  ${String(n - p).padStart(11)}`;
console.log(`${'file'.padEnd(width)}  cases  passes  differences`);
let total = 0;
let passes = 0;
for (const [file, row] of perFile) {
  console.log(line(file, row.cases, row.passes));
  total += row.cases;
  passes += row.passes;
}
console.log(line('total', total, passes));
console.log(
  `Jinja2 ${python.versions.jinja2}, PyYAML ${python.versions.yaml} (${python.python}); ` +
    `${total - passes} of ${total} cases differ`,
);
if (details && failures.length > 0) console.log(`\n${failures.join('\n\n')}`);
process.exit(failures.length > 0 ? 1 : 0);
