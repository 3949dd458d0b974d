// gitops-publish: the rendered release written into a GitOps config repository, as a commit or a pull request.
import { defineAction } from '@slipway/action-kit';
import { readInputs, readToken } from './inputs.ts';
import { gitopsPublish, tokenSecrets } from './publish.ts';

export default defineAction('gitops-publish', {
  // The token first: masked before any other input is even looked at.
  secrets: (source) => {
    const token = readToken(source);
    return token ? tokenSecrets(token) : [];
  },
  readInputs,
  run: gitopsPublish,
});
