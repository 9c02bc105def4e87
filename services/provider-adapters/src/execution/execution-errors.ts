import { GatewayError, type Deployment, type FailureKind } from '@switchyard/shared';

/** The request's deadline passed: no new attempt starts, and the running one is cancelled. */
export function deadlineExceeded(): GatewayError {
  return new GatewayError('The request did not complete before its deadline (every attempt included).', {
    status: 504,
    errorClass: 'timeout',
    code: 'deadline_exceeded',
  });
}

/** One attempt did not answer within `resilience.attemptTimeoutMs`. */
export function attemptTimedOut(deployment: Deployment, timeoutMs: number): GatewayError {
  return new GatewayError(`${deployment.id} did not answer within the attempt timeout of ${timeoutMs} ms`, {
    status: 504,
    errorClass: 'timeout',
    code: 'upstream_timeout',
    retryable: true,
  });
}

/** The attempt lost a hedge race: another deployment answered first. */
export function hedgeLost(): GatewayError {
  return new GatewayError('Another deployment answered first.', { status: 499, errorClass: 'cancelled', code: 'hedge_cancelled' });
}

/** Every deployment of the plan was skipped by the attempt gate (breakers open, keys cooling down). */
export function deploymentUnavailable(deployment: Deployment, reason: FailureKind = 'breaker_open'): GatewayError {
  if (reason === 'rate_limit') {
    // Every key of the provider got a 429 lately: the client sees the rate limit it would have met upstream.
    return new GatewayError(`${deployment.id} is rate limited: every key of provider ${deployment.providerId} is cooling down after a 429.`, {
      status: 429,
      errorClass: 'rate_limited',
      code: 'rate_limit_exceeded',
      retryable: true,
    });
  }
  return new GatewayError(`${deployment.id} is unavailable: its circuit breaker is open.`, {
    status: 503,
    errorClass: 'unavailable',
    code: 'breaker_open',
    retryable: true,
  });
}

/** The provider answered, but refused the content (finish reason `content_filter`) and the route has an alternative. */
export function contentRefused(deployment: Deployment): GatewayError {
  return new GatewayError(`${deployment.id} refused the request under its content policy.`, {
    status: 400,
    errorClass: 'invalid_request',
    code: 'content_policy_violation',
  });
}
