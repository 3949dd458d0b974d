// ecr-push: an image from files, a registry, the local engine or ECR itself into an ECR repository.
import { defineAction } from '@slipway/action-kit';
import { readInputs } from './inputs.ts';

export default defineAction('ecr-push', {
  readInputs,
  // The push and its clients load once the inputs are valid: a bad input fails at start.
  run: async (inputs, context, log) => (await import('./ecr-push.ts')).ecrPush(inputs, context, log),
});
