import { GatewayError, type Deployment } from '@switchyard/shared';

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
export function deploymentUnavailable(deployment: Deployment): GatewayError {
  return new GatewayError(`${deployment.id} is unavailable: its circuit breaker is open or its keys are cooling down.`, {
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
