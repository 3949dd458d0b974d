/**
 * One shape for every action: `main.ts` names the action and hands over three functions; this
 * module does the rest. The action's work is a plain function `(inputs, context, log) →
 * { outputs, summary }` that throws instead of failing the step and writes nothing to the runner
 * itself, so the root action can compose the same functions and write outputs once.
 */
import { runContext, type RunContext } from './context.ts';
import { ActionError } from './errors.ts';
import { envInputs, type InputSource } from './inputs.ts';
import type { AnnotationProperties, Logger } from './logger.ts';
import { appendSummary, exportVariable, log, setOutputs, setSecret } from './runner.ts';
import { runAction } from './run-action.ts';
import type { StateSlot } from './state.ts';

/** Step outputs by name; undefined values are not written. */
export type OutputValues = Record<string, string | number | boolean | undefined>;

/** What one run of an action's work produced; the wiring writes each part once. */
export interface ActionResult<S = never> {
  outputs: OutputValues;
  /** Markdown for the job summary. */
  summary?: string;
  /** Environment variables for the later steps of the job (e.g. what an earlier step learned). */
  env?: Record<string, string>;
  /** What the post step needs, kept in the definition's state slot. Never a secret. */
  state?: S;
}

/**
 * An expected failure that comes after work whose outputs and summary still matter (a scan gate
 * that failed, a release that failed): the wiring writes `result`, then fails the step with the
 * message, as for any ActionError. `reason`, when given, is what the step then fails with
 * instead (see {@link ActionFailure.after}).
 */
export class ActionFailure extends ActionError {
  constructor(
    message: string,
    readonly result: ActionResult<unknown>,
    readonly reason?: unknown,
  ) {
    super(message);
  }

  /** Fails with `reason`, whatever it is (a bug included), once `result` was written. */
  static after(reason: unknown, result: ActionResult<unknown>): ActionFailure {
    return new ActionFailure(reason instanceof Error ? reason.message : String(reason), result, reason);
  }
}

/** One problem that points into a file the user wrote (a template line): an annotated error. */
export interface FileProblem {
  message: string;
  properties: AnnotationProperties;
}

/**
 * Failures that point into files: each problem becomes one `::error` annotation on its file and
 * line, and the step fails with no further error line. Elsewhere (not through the wiring) it
 * reads as one ActionError listing the problems.
 */
export class FileProblems extends ActionError {
  constructor(readonly problems: FileProblem[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

/** An action: how it reads its inputs, its work, and optionally its post step. */
export interface ActionDefinition<I, S = never> {
  /**
   * Secret values among the raw inputs (a token, the parts of a webhook URL). They are registered
   * with the runner before any input is validated, so no message can print them.
   */
  secrets?: (source: InputSource) => (string | undefined)[] | Promise<(string | undefined)[]>;
  /** Reads and validates every input before anything is done; throws InputError. */
  readInputs: (source: InputSource, context: RunContext) => I | Promise<I>;
  /** The work; throws ActionError (or ActionFailure, FileProblems) for expected failures. */
  run: (inputs: I, context: RunContext, log: Logger) => Promise<ActionResult<S>>;
  /** Where `result.state` is kept for the post step. */
  state?: StateSlot<S>;
  /** The post step, given what the main step kept (undefined when it kept nothing). */
  post?: (state: S | undefined, context: RunContext, log: Logger) => Promise<ActionResult<never>>;
}

async function write<S>(result: ActionResult<S>, slot: StateSlot<S> | undefined): Promise<void> {
  setOutputs(result.outputs);
  // Awaited: a runner interface may write the summary file asynchronously.
  if (result.summary) await appendSummary(result.summary);
  for (const [name, value] of Object.entries(result.env ?? {})) exportVariable(name, value);
  if (slot && result.state !== undefined) slot.set(result.state);
}

/** Runs `step`, writing its result once; a failure that carries results has them written first. */
async function runStep<S>(
  name: string,
  step: () => Promise<ActionResult<S>>,
  slot: StateSlot<S> | undefined,
): Promise<void> {
  let result: ActionResult<S>;
  try {
    result = await step();
  } catch (err) {
    let failure = err;
    if (failure instanceof ActionFailure) {
      await write(failure.result as ActionResult<S>, slot);
      failure = failure.reason ?? failure;
    }
    if (failure instanceof FileProblems) {
      // The annotations are the error lines; the step fails without repeating them.
      for (const p of failure.problems) log.error(`${name}: ${p.message}`, p.properties);
      process.exitCode = 1;
      return;
    }
    throw failure;
  }
  await write(result, slot);
}

/**
 * Runs an action's main or post step inside `runAction`: secrets masked first, inputs read with
 * the definition's `readInputs(envInputs(), runContext())`, the work run, then its outputs, summary,
 * environment and state written once. Returns what `main.ts` exports as the bundle's entry.
 */
export function defineAction<I, S = never>(
  name: string,
  action: ActionDefinition<I, S>,
): () => Promise<void> {
  return () =>
    runAction(name, {
      async main() {
        const source = envInputs();
        for (const secret of (await action.secrets?.(source)) ?? []) if (secret) setSecret(secret);
        const context = runContext();
        const inputs = await action.readInputs(source, context);
        await runStep(name, () => action.run(inputs, context, log), action.state);
      },
      ...(action.post
        ? {
            post: async () => {
              const post = action.post as NonNullable<typeof action.post>;
              await runStep(name, () => post(action.state?.get(), runContext(), log), undefined);
            },
          }
        : {}),
    });
}
