/**
 * A value given to a render function is not usable. `parameter` names the function's parameter
 * and `reason` says what is wrong and the accepted form, so the action can put its own input name
 * in front of it.
 */
export class RenderParameterError extends Error {
  override readonly name = 'RenderParameterError';
  constructor(
    readonly parameter: string,
    readonly reason: string,
  ) {
    super(`${parameter}: ${reason}`);
  }
}
