// Preloaded by bench/cold-start.ts: records every file the process loads, to measure start bytes.
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';

const out = process.env.SLIPWAY_RECORD_LOADS;
registerHooks({
  load(url, context, nextLoad) {
    if (out && url.startsWith('file:')) appendFileSync(out, url + '\n');
    return nextLoad(url, context);
  },
});
