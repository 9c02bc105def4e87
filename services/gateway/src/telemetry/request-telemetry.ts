import {
  ANONYMOUS_PRINCIPAL,
  DEFAULT_REQUEST_LIMITS,
  type ChatRequest,
  type Deployment,
  type ExecutionReport,
  type ExperimentAssignment,
  type GatewayError,
  type PluginServedBy,
  type Principal,
  type RequestStatusName,
  type RouteAttempt,
  type Usage,
} from '@switchyard/shared';
import { readAttribution, type RequestAttribution } from './request-attribution';
import type { AudioUsage } from './price-catalog';
import type { RequestOperation, RequestRecorder } from './request-recorder';
import { estimateUsage, TextTokenEstimate } from './usage-estimate';

/**
 * What one model request did, gathered while it runs and recorded once when
 * it ends (succeeded, failed, or cancelled by the client).
 */
export class RequestTelemetry {
  private attributed?: RequestAttribution;
  requestedModel = '';
  user = '';
  streamed = false;
  servedModel?: string;
  usage?: Usage;
  finishReason?: string;
  /** The chat request, to estimate its input tokens should the provider's usage never arrive. */
  prompt?: ChatRequest;
  /** Set once a provider accepted the streamed request: it bills from then on. */
  upstreamAccepted = false;
  /** Audio transcriptions: the seconds of audio and, of the input tokens, the audio ones. */
  audio?: AudioUsage;
  /** The plugin that answered in place of a provider, if one did. */
  answeredBy?: PluginServedBy;
  /** Facts plugins added for the record (the plugin run's own map, read when the request is recorded). */
  annotations?: Readonly<Record<string, string>>;
  /** The A/B test arm that picked this request's prompt version or model, if one did. */
  experiment?: ExperimentAssignment;
  /** The client's country, asked only when the request is recorded (after its response). */
  locateClient?: () => string;
  /** The text streamed to the client so far, to estimate output tokens. */
  readonly output = new TextTokenEstimate();
  private report?: ExecutionReport;
  private reportedAt?: number;
  private deployment?: Deployment;
  private routePath = '';
  private attempts = 0;
  private firstTokenAt?: number;
  private recorded = false;

  constructor(
    private readonly recorder: RequestRecorder,
    readonly operation: RequestOperation,
    private readonly requestId: string,
    /** `performance.now()` when the request arrived. */
    private readonly arrived: number,
    /** Who asked: a request whose headers were refused is still recorded under its key and workspace. */
    private readonly principal: Principal = ANONYMOUS_PRINCIPAL,
    /** Told once the headers are read (the exchange answers `traceparent` with the request's span). */
    private readonly onAttributed?: (attribution: RequestAttribution) => void,
  ) {}

  /** From the request's headers; unset when they were not read (or were invalid). */
  get attribution(): RequestAttribution | undefined {
    return this.attributed;
  }

  set attribution(attribution: RequestAttribution | undefined) {
    this.attributed = attribution;
    if (attribution) this.onAttributed?.(attribution);
  }

  /** Called as each deployment of the route plan is tried. */
  readonly attempted = (attempt: RouteAttempt, number: number): void => {
    this.deployment = attempt.deployment;
    this.routePath = attempt.routePath;
    this.attempts = number;
  };

  /** The executor's report of the attempts upstream (at a stream's start, those up to the one committed to). */
  reported(report: ExecutionReport | undefined): void {
    if (!report) return;
    this.report = report;
    this.reportedAt = performance.now();
  }

  firstToken(): void {
    this.firstTokenAt ??= performance.now();
  }

  /** Records the request; later calls do nothing. */
  finish(status: RequestStatusName, httpStatus: number, error?: GatewayError): void {
    if (this.recorded) return;
    this.recorded = true;
    const now = performance.now();
    // A stream cut before the provider's usage arrived is still recorded with what it cost.
    const usageEstimated = this.usage === undefined && this.streamed && this.upstreamAccepted && status !== 'succeeded';
    const usage = usageEstimated ? estimateUsage(this.prompt, this.output) : this.usage;
    const attribution = this.attribution ?? unattributed(this.principal);
    this.recorder.record({
      requestId: this.requestId,
      endedAt: new Date(),
      operation: this.operation,
      attribution: this.locateClient && !attribution.country ? { ...attribution, country: this.locateClient() } : attribution,
      user: this.user,
      requestedModel: this.requestedModel,
      deployment: this.deployment,
      routePath: this.routePath,
      attempts: this.attempts,
      servedModel: this.servedModel,
      streamed: this.streamed,
      status,
      httpStatus,
      error: error && { errorClass: error.errorClass, message: error.message },
      latencyMs: now - this.arrived,
      timeToFirstTokenMs: this.firstTokenAt === undefined ? 0 : this.firstTokenAt - this.arrived,
      usage,
      usageEstimated,
      ...(this.audio && { audio: this.audio }),
      finishReason: this.finishReason,
      servedBy: this.answeredBy?.plugin ?? (this.deployment ? 'provider' : ''),
      servedByDetail: this.answeredBy?.detail ?? '',
      annotations: this.annotations ?? {},
      experiment: this.experiment,
      report: this.report,
      reportedAfterMs: this.reportedAt === undefined ? undefined : this.reportedAt - this.arrived,
    });
  }
}

/** A request whose headers were not read: the principal's workspace and key, and a trace of its own. */
function unattributed(principal: Principal): RequestAttribution {
  return readAttribution({}, DEFAULT_REQUEST_LIMITS, principal);
}
