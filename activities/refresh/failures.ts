import { ApplicationFailure } from '@temporalio/activity';
import { MissingSettingError, SharpSportsHttpError } from '../../refresh/sharpsports-client';

/** Turns a non-retryable HTTP answer into a failure Temporal will not retry, with the fix named. */
export function classify(err: unknown): never {
  if (err instanceof MissingSettingError) throw ApplicationFailure.nonRetryable(err.message, 'MissingSetting');
  if (err instanceof SharpSportsHttpError && !err.retryable) {
    const hint =
      err.status === 401
        ? 'check SHARPSPORTS_API_KEY'
        : err.status === 404
          ? 'check the bettor / account id'
          : 'check the request';
    throw ApplicationFailure.nonRetryable(`${err.message} (${hint})`, 'SharpSportsClientError');
  }
  throw err;
}
