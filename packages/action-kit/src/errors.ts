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

/**
 * A value given to a package function is not usable: `parameter` names the function's parameter
 * and `reason` says what is wrong and the accepted form. Each package throws its own subclass; the
 * action maps it to the input the value came from with {@link asInput}.
 */
export class ParameterError extends Error {
  override readonly name: string = 'ParameterError';
  constructor(
    readonly parameter: string,
    readonly reason: string,
  ) {
    super(`${parameter}: ${reason}`);
  }
}

/**
 * Runs a package function (sync or async) with a value read from `input`, so a ParameterError
 * about that value becomes an InputError naming the input.
 */
export function asInput<T>(input: string, work: () => T): T {
  const rename = (err: unknown): never => {
    if (err instanceof ParameterError) throw new InputError(input, err.reason);
    throw err;
  };
  let result: T;
  try {
    result = work();
  } catch (err) {
    return rename(err);
  }
  return (result instanceof Promise ? result.catch(rename) : result) as T;
}
