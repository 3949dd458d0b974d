// ecr-push: an image from files, a registry, the local engine or ECR itself into an ECR repository.
import { defineAction } from '@slipway/action-kit';
import { ecrPush } from './ecr-push.ts';
import { readInputs } from './inputs.ts';

export default defineAction('ecr-push', { readInputs, run: ecrPush });
