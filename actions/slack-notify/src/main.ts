// slack-notify: one deployment message, posted or updated in place, that never fails a deploy by default.
import { defineAction } from '@slipway/action-kit';
import { readInputs } from './inputs.ts';
import { slackNotify, slackSecrets } from './slack-notify.ts';

export default defineAction('slack-notify', { secrets: slackSecrets, readInputs, run: slackNotify });
