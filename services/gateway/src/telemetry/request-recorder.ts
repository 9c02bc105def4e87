import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { randomUUID } from 'node:crypto';
import { eventsV1 } from '@switchyard/proto';
import { storableRecord, storableText, type EventPublisher } from '@switchyard/events';
import { operationOf, type Deployment, type ErrorClass, type OperationName, type RequestStatusName, type Usage } from '@switchyard/shared';
import type { ExecutionReport, ExperimentAssignment } from '@switchyard/shared';
import { costOf, type AudioUsage, type PriceCatalog } from './price-catalog';
import type { RequestAttribution } from './request-attribution';

export type RequestOperation = OperationName;

/** Everything known about one request when it ends. */
export interface RequestOutcome {
  requestId: string;
  endedAt: Date;
  operation: RequestOperation;
  attribution: RequestAttribution;
  user: string;
  requestedModel: string;
  /** The deployment that answered, or the last one tried. */
  deployment?: Deployment;
  routePath: string;
  attempts: number;
  /** The model the provider reported. */
  servedModel?: string;
  streamed: boolean;
  status: RequestStatusName;
  httpStatus: number;
  error?: { errorClass: ErrorClass; message: string };
  latencyMs: number;
  timeToFirstTokenMs: number;
  usage?: Usage;
  /** Audio transcriptions: seconds of audio, and the audio input tokens among `usage.inputTokens`. */
  audio?: AudioUsage;
  /** Whether `usage` was estimated by the gateway (a stream cut before the provider reported it). */
  usageEstimated?: boolean;
  finishReason?: string;
  /** `provider` when a deployment answered (or was tried last), a plugin's name when it answered in its place, empty when neither. */
  servedBy?: string;
  /** The plugin's kind of answer (`exact`, `semantic`). */
  servedByDetail?: string;
  /** Facts plugins added (`cache: semantic-hit`, `semantic_route: billing`). */
  annotations?: Readonly<Record<string, string>>;
  /** The A/B test arm that picked the prompt version or model, if one did. */
  experiment?: ExperimentAssignment;
  /** Every attempt upstream, for the exported spans; absent when no deployment was tried. */
  report?: ExecutionReport;
  /** Milliseconds after arrival when `report` came back (its attempts had ended by then, but a committed stream's). */
  reportedAfterMs?: number;
}

const STATUS = {
  succeeded: eventsV1.RequestStatus.SUCCEEDED,
  failed: eventsV1.RequestStatus.FAILED,
  cancelled: eventsV1.RequestStatus.CANCELLED,
} as const;

/** The cache plugin's `cache` annotation (`hit`, `semantic-hit`, `miss`) as the record's cache status. */
function cacheStatusOf(annotation: string | undefined): eventsV1.CacheStatus {
  switch (annotation) {
    case 'hit':
      return eventsV1.CacheStatus.HIT;
    case 'semantic-hit':
      return eventsV1.CacheStatus.SEMANTIC_HIT;
    case 'miss':
    case 'refresh':
      return eventsV1.CacheStatus.MISS;
    default:
      return eventsV1.CacheStatus.DISABLED;
  }
}

/** Turns a request's outcome into its one event, priced, and hands it to the publisher. */
export class RequestRecorder {
  constructor(
    /** Also where the trace routes publish received spans. */
    readonly publisher: EventPublisher,
    private readonly prices: PriceCatalog,
  ) {}

  record(outcome: RequestOutcome): void {
    const { attribution, deployment, usage } = outcome;
    const occurredAt = timestampFromDate(outcome.endedAt);
    // Client and upstream text as every store can hold it (no lone surrogate, no NUL): one
    // unstorable value would otherwise make the database refuse the record.
    const servedModel = storableText(outcome.servedModel || deployment?.model || '');
    const price = deployment && usage ? this.prices.priceOf(deployment.providerId, [servedModel, deployment.model], outcome.endedAt) : undefined;
    const cost = price && usage ? costOf(price.price, usage, outcome.audio) : undefined;
    const tokens = create(eventsV1.TokenCountsSchema, {
      input: usage?.inputTokens ?? 0,
      output: usage?.outputTokens ?? 0,
      cachedInput: usage?.cachedInputTokens ?? 0,
      cacheWrite: usage?.cacheWriteTokens ?? 0,
      reasoning: usage?.reasoningTokens ?? 0,
    });
    this.publisher.publish({
      kind: 'request-completed',
      event: create(eventsV1.RequestCompletedSchema, {
        eventId: randomUUID(),
        occurredAt,
        requestId: outcome.requestId,
        workspace: attribution.workspace,
        keyId: attribution.keyId,
        user: storableText(outcome.user || attribution.userId),
        sessionId: storableText(attribution.sessionId),
        traceId: attribution.traceId,
        operation: operationOf(outcome.operation),
        requestedModel: storableText(outcome.requestedModel),
        servedModel,
        provider: deployment?.providerId ?? '',
        deployment: deployment?.id ?? '',
        routePath: outcome.routePath,
        attempts: outcome.attempts,
        status: STATUS[outcome.status],
        httpStatus: outcome.httpStatus,
        errorClass: outcome.error?.errorClass ?? '',
        errorMessage: storableText(outcome.error?.message ?? ''),
        latencyMs: outcome.latencyMs,
        timeToFirstTokenMs: outcome.timeToFirstTokenMs,
        streamed: outcome.streamed,
        tokens,
        costUsd: cost?.totalUsd ?? 0,
        cacheStatus: cacheStatusOf(outcome.annotations?.cache),
        metadata: storableRecord(attribution.metadata),
        finishReason: storableText(outcome.finishReason ?? ''),
        usageEstimated: outcome.usageEstimated ?? false,
        servedBy: outcome.servedBy ?? '',
        servedByDetail: storableText(outcome.servedByDetail ?? ''),
        annotations: storableRecord(outcome.annotations ?? {}),
        spanId: attribution.spanId,
        parentSpanId: attribution.parentSpanId,
        spanName: storableText(attribution.spanName),
        tags: attribution.tags,
        country: attribution.country,
        inputCostUsd: cost?.inputUsd ?? 0,
        outputCostUsd: cost?.outputUsd ?? 0,
        priceSource: price?.source ?? (usage && deployment ? 'unpriced' : ''),
        experimentId: outcome.experiment?.experimentId ?? '',
        experimentArm: storableText(outcome.experiment?.arm ?? ''),
        audioSeconds: outcome.audio?.seconds ?? 0,
      }),
    });
  }
}
