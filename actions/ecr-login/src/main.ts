// ecr-login: an Amazon ECR login written into the Docker client config, undone by the post step.
import { defineAction, defineState } from '@slipway/action-kit';
import { ecrLogin, ecrLogout, type LoggedIn } from './ecr-login.ts';
import { readInputs } from './inputs.ts';

export default defineAction('ecr-login', {
  readInputs,
  run: ecrLogin,
  state: defineState<LoggedIn>('logged-in'),
  post: ecrLogout,
});
