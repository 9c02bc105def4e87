import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { adaptersV1 } from '@switchyard/proto';
import {
  failureKinds,
  type AttemptRecord,
  type ExecutionPlan,
  type ExecutionPolicy,
  type ExecutionReport,
  type FailureKind,
  type RouteAttempt,
} from '@switchyard/shared';
import { deploymentFromProto, deploymentToProto } from './route-codec';

/** Plans and reports of the plan executor across the adapter service's `Execute*` RPCs. */

const KINDS: ReadonlySet<string> = new Set(failureKinds);
const OUTCOMES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

function attemptsToProto(attempts: readonly RouteAttempt[]): adaptersV1.PlannedAttempt[] {
  return attempts.map((attempt) =>
    create(adaptersV1.PlannedAttemptSchema, { deployment: deploymentToProto(attempt.deployment), routePath: attempt.routePath }),
  );
}

function attemptsFromProto(attempts: readonly adaptersV1.PlannedAttempt[], field: string): RouteAttempt[] {
  return attempts.map((attempt, index) => ({
    deployment: deploymentFromProto(attempt.deployment, `${field}[${index}].deployment`),
    routePath: attempt.routePath,
  }));
}

/** A kind this side does not know (sent by a newer service) reads as `internal`. */
function kindsFromProto(kinds: readonly string[]): FailureKind[] {
  return kinds.filter((kind) => KINDS.has(kind)) as FailureKind[];
}

function policyToProto(policy: ExecutionPolicy): adaptersV1.ExecutionPolicy {
  return create(adaptersV1.ExecutionPolicySchema, {
    retries: policy.retries,
    retryOn: [...policy.retryOn],
    fallbackOn: [...policy.fallbackOn],
    backoff: policy.backoff,
    maxRetryAfterMs: policy.maxRetryAfterMs,
    attemptTimeoutMs: policy.attemptTimeoutMs,
    hedgeAfterMs: policy.hedging?.afterMs,
  });
}

function policyFromProto(policy: adaptersV1.ExecutionPolicy): ExecutionPolicy {
  const backoff = policy.backoff ?? create(adaptersV1.BackoffSchema, { initialMs: 100, maxMs: 2_000, multiplier: 2 });
  return {
    retries: policy.retries,
    retryOn: kindsFromProto(policy.retryOn),
    fallbackOn: kindsFromProto(policy.fallbackOn),
    backoff: { initialMs: backoff.initialMs, maxMs: backoff.maxMs, multiplier: backoff.multiplier },
    maxRetryAfterMs: policy.maxRetryAfterMs,
    ...(policy.attemptTimeoutMs !== undefined && { attemptTimeoutMs: policy.attemptTimeoutMs }),
    ...(policy.hedgeAfterMs !== undefined && { hedging: { afterMs: policy.hedgeAfterMs } }),
  };
}

export function executionPlanToProto(plan: ExecutionPlan): adaptersV1.ExecutionPlan {
  return create(adaptersV1.ExecutionPlanSchema, {
    requestedModel: plan.requestedModel,
    attempts: attemptsToProto(plan.attempts),
    deadlineUnixMs: BigInt(plan.deadline ?? 0),
    policy: plan.policy && policyToProto(plan.policy),
    contextLengthFallback: attemptsToProto(plan.fallbacks?.context_length ?? []),
    contentPolicyFallback: attemptsToProto(plan.fallbacks?.content_policy ?? []),
  });
}

export function executionPlanFromProto(plan: adaptersV1.ExecutionPlan): ExecutionPlan {
  const decoded: ExecutionPlan = { requestedModel: plan.requestedModel, attempts: attemptsFromProto(plan.attempts, 'plan.attempts') };
  if (plan.deadlineUnixMs > 0n) decoded.deadline = Number(plan.deadlineUnixMs);
  if (plan.policy) decoded.policy = policyFromProto(plan.policy);
  const contextLength = attemptsFromProto(plan.contextLengthFallback, 'plan.contextLengthFallback');
  const contentPolicy = attemptsFromProto(plan.contentPolicyFallback, 'plan.contentPolicyFallback');
  if (contextLength.length > 0 || contentPolicy.length > 0) {
    decoded.fallbacks = {
      ...(contextLength.length > 0 && { context_length: contextLength }),
      ...(contentPolicy.length > 0 && { content_policy: contentPolicy }),
    };
  }
  return decoded;
}

export function executionReportToProto(report: ExecutionReport): adaptersV1.ExecutionReport {
  return create(adaptersV1.ExecutionReportSchema, {
    attempts: report.attempts.map((attempt) => ({
      deployment: deploymentToProto(attempt.deployment),
      routePath: attempt.routePath,
      retry: attempt.retry,
      outcome: attempt.outcome,
      failure: attempt.failure ?? '',
      status: attempt.status ?? 0,
      durationMs: attempt.durationMs,
      timeToFirstTokenMs: attempt.timeToFirstTokenMs,
      hedge: attempt.hedge ?? false,
    })),
    served: report.served,
  });
}

export function executionReportFromProto(report: adaptersV1.ExecutionReport): ExecutionReport {
  const decoded: ExecutionReport = {
    attempts: report.attempts.map((attempt, index) => {
      const record: AttemptRecord = {
        deployment: deploymentFromProto(attempt.deployment, `attempts[${index}].deployment`),
        routePath: attempt.routePath,
        retry: attempt.retry,
        outcome: (OUTCOMES.has(attempt.outcome) ? attempt.outcome : 'failed') as AttemptRecord['outcome'],
        durationMs: attempt.durationMs,
      };
      if (attempt.failure !== '') record.failure = KINDS.has(attempt.failure) ? (attempt.failure as FailureKind) : 'internal';
      if (attempt.status !== 0) record.status = attempt.status;
      if (attempt.timeToFirstTokenMs !== undefined) record.timeToFirstTokenMs = attempt.timeToFirstTokenMs;
      if (attempt.hedge) record.hedge = true;
      return record;
    }),
  };
  if (report.served !== undefined) decoded.served = report.served;
  return decoded;
}

/**
 * The report as trailer metadata bytes. At most the last `MAX_TRAILER_ATTEMPTS`
 * attempts: a trailer over HTTP/2's header list limit would reset the stream.
 */
export function executionReportToBinary(report: ExecutionReport): Uint8Array {
  const attempts = report.attempts.length > MAX_TRAILER_ATTEMPTS ? report.attempts.slice(-MAX_TRAILER_ATTEMPTS) : report.attempts;
  const served = report.served === undefined ? undefined : report.served - (report.attempts.length - attempts.length);
  return toBinary(
    adaptersV1.ExecutionReportSchema,
    executionReportToProto({ attempts, served: served !== undefined && served >= 0 ? served : undefined }),
  );
}

export function executionReportFromBinary(bytes: Uint8Array): ExecutionReport {
  return executionReportFromProto(fromBinary(adaptersV1.ExecutionReportSchema, bytes));
}

const MAX_TRAILER_ATTEMPTS = 32;
