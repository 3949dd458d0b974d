// test-cache: dependency and build caches restored for the job and saved by the post step, as the save policy allows.
import { defineAction } from '@slipway/action-kit';
import { readInputs } from './inputs.ts';
import { cacheState } from './state.ts';
import { restoreTestCache, saveTestCache } from './test-cache.ts';

export default defineAction('test-cache', {
  readInputs,
  run: restoreTestCache,
  state: cacheState,
  post: saveTestCache,
});
