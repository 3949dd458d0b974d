// await-release: follows one release until it is live or has failed, and says which.
import { defineAction } from '@slipway/action-kit';
import { runAwaitRelease } from './await-release.ts';
import { readInputs, readToken } from './inputs.ts';

export default defineAction('await-release', {
  // The Argo CD token is masked before any other input is looked at.
  secrets: (source) => [readToken(source)],
  readInputs,
  run: runAwaitRelease,
});
