import * as core from '@actions/core';
import { ActionError, InputError } from './errors.ts';
import { isPost, markMainStarted, summaryWritten } from './runner.ts';

/** The two halves of an action; one bundle serves both. */
export interface ActionSteps {
  main: () => Promise<void>;
  post?: () => Promise<void>;
}

/**
 * Runs the main or the post step of an action and turns failures into one `::error::` line and
 * exit code 1. The only place that fails a step: input and expected runtime errors print their
 * message alone; anything else is a bug, printed with its stack in the debug log.
 */
export async function runAction(name: string, steps: ActionSteps): Promise<void> {
  const post = isPost();
  let failure: { err: unknown } | undefined;
  try {
    if (post) {
      await steps.post?.();
    } else {
      if (steps.post) markMainStarted();
      await steps.main();
    }
  } catch (err) {
    failure = { err };
  }
  try {
    await summaryWritten();
  } catch (err) {
    failure ??= { err };
  }
  if (failure) reportFailure(name, post ? 'post' : 'main', failure.err);
}

function reportFailure(name: string, step: string, err: unknown): void {
  if (err instanceof InputError || err instanceof ActionError) {
    core.setFailed(`${name}: ${err.message}`);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  core.setFailed(
    `${name} failed unexpectedly in its ${step} step: ${message}. This is a bug in Slipway: please report it with the step's debug log.`,
  );
  if (err instanceof Error && err.stack) core.debug(err.stack);
}
