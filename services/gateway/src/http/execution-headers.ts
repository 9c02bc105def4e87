import type { ServerResponse } from 'node:http';
import type { AttemptRecord, ExecutionReport } from '@switchyard/shared';
import type { RoutingInput } from '../pipeline/request-executor';
import type { HttpExchange } from './http-exchange';
import { setSwitchyardHeader } from './response-headers';

/** What routing reads of a request besides its body: the headers (`x-switchyard-route`…) and the key's model scopes. */
export function routingOf(exchange: HttpExchange): RoutingInput {
  return { headers: exchange.request.headers, scopes: exchange.principal.scopes };
}

/**
 * `x-switchyard-attempts` (attempts made, retries and hedges included) and
 * `x-switchyard-attempt-list`: each attempt in order as `deployment=outcome`,
 * the outcome `ok` or its failure kind (`rate_limit`, `timeout`, …;
 * `cancelled` for a hedge that lost), `+hedge` after a hedge, `+skipped` after a
 * deployment passed over without a call (open breaker, keys cooling down),
 * comma-separated.
 * Set on answers and on errors alike.
 */
export function setExecutionHeaders(response: ServerResponse, report: ExecutionReport, attempts: number): void {
  setSwitchyardHeader(response, 'x-switchyard-attempts', attempts);
  if (report.attempts.length > 0) setSwitchyardHeader(response, 'x-switchyard-attempt-list', report.attempts.map(attemptEntry).join(','));
}

function attemptEntry(attempt: AttemptRecord): string {
  const outcome = attempt.outcome === 'succeeded' ? 'ok' : (attempt.failure ?? attempt.outcome);
  return `${attempt.deployment.id}=${outcome}${attempt.hedge ? '+hedge' : ''}${attempt.outcome === 'skipped' ? '+skipped' : ''}`;
}
