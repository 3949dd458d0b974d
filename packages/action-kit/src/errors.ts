/** A problem the workflow author fixes in the step's `with:`; printed without a stack. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`input ${input}: ${message}`);
  }
}

/** An expected runtime failure with a message written for the user (say what to change); no stack. */
export class ActionError extends Error {
  override readonly name = 'ActionError';
}
