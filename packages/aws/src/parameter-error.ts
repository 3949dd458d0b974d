import { ParameterError } from '@slipway/action-kit';

/**
 * A value given to an AWS helper is not usable (a region, a bucket name, a registry URL).
 * `parameter` names the helper's parameter and `reason` says what is wrong and the accepted form,
 * so the action can put its own input name in front of it.
 */
export class AwsParameterError extends ParameterError {
  override readonly name = 'AwsParameterError';
}
