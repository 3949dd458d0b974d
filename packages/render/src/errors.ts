import { ParameterError } from '@slipway/action-kit';

/**
 * A value given to a render function is not usable. `parameter` names the function's parameter
 * and `reason` says what is wrong and the accepted form, so the action can put its own input name
 * in front of it.
 */
export class RenderParameterError extends ParameterError {
  override readonly name = 'RenderParameterError';
}
