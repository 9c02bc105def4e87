import {
  executionReportOf,
  internalError,
  isGatewayError,
  withExecutionReport,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type ExecutionPlan,
  type ExecutionReport,
  type NativeStreamEvent,
  type PlanExecutor,
  type StreamPart,
  type TranscriptionRequest,
  type TranscriptionResponse,
} from '@switchyard/shared';
import {
  chatRequestToProto,
  chatResponseFromProto,
  embeddingRequestToProto,
  embeddingResponseFromProto,
  executionPlanToProto,
  executionReportFromProto,
  GrpcServiceClient,
  streamPartFromProto,
  transcriptionRequestToProto,
  transcriptionResponseFromProto,
  type MethodsOf,
} from '@switchyard/rpc';
import { adaptersV1 } from '@switchyard/proto';
import type { AdapterGrpcClientOptions } from './adapter-grpc-client';

/**
 * How long past the plan's deadline the call itself may last: the adapter
 * service cuts the plan at the deadline and answers with the report, which
 * should arrive before gRPC's own deadline would hide it.
 */
const DEADLINE_GRACE_MS = 1_000;

/**
 * The plan executor of the adapter service, over gRPC: each client request
 * is ONE call carrying the request once and its whole plan; the service runs
 * retries, fallback and hedging next to the providers and sends the report
 * back with the answer (in the trailer on failure).
 */
export class PlanExecutorGrpcClient implements PlanExecutor {
  private readonly client: GrpcServiceClient<MethodsOf<typeof adaptersV1.ProviderAdapterService>>;
  private readonly callTimeoutMs: number;
  private readonly streamTimeoutMs: number;

  constructor(options: AdapterGrpcClientOptions) {
    this.client = new GrpcServiceClient(adaptersV1.ProviderAdapterService, options);
    this.callTimeoutMs = options.callTimeoutMs;
    this.streamTimeoutMs = options.streamTimeoutMs ?? options.callTimeoutMs;
  }

  async complete(plan: ExecutionPlan, request: ChatRequest, context: CallContext): Promise<{ response: ChatResponse; report: ExecutionReport }> {
    const message = { plan: executionPlanToProto(plan), request: chatRequestToProto(request), requestId: context.requestId };
    const { response, report } = await this.client.unary('execute', message, context, this.timeoutMs(plan, this.callTimeoutMs));
    if (response === undefined || report === undefined) throw internalError('ExecuteResponse without a response or a report.');
    return { response: chatResponseFromProto(response), report: executionReportFromProto(report) };
  }

  async embed(
    plan: ExecutionPlan,
    request: EmbeddingRequest,
    context: CallContext,
  ): Promise<{ response: EmbeddingResponse; report: ExecutionReport }> {
    const message = { plan: executionPlanToProto(plan), request: embeddingRequestToProto(request), requestId: context.requestId };
    const { response, report } = await this.client.unary('executeEmbed', message, context, this.timeoutMs(plan, this.callTimeoutMs));
    if (response === undefined || report === undefined) throw internalError('ExecuteEmbedResponse without a response or a report.');
    return { response: embeddingResponseFromProto(response), report: executionReportFromProto(report) };
  }

  async transcribe(
    plan: ExecutionPlan,
    request: TranscriptionRequest,
    context: CallContext,
  ): Promise<{ response: TranscriptionResponse; report: ExecutionReport }> {
    const message = { plan: executionPlanToProto(plan), request: transcriptionRequestToProto(request), requestId: context.requestId };
    const { response, report } = await this.client.unary('executeTranscribe', message, context, this.timeoutMs(plan, this.callTimeoutMs));
    if (response === undefined || report === undefined) throw internalError('ExecuteTranscribeResponse without a response or a report.');
    return { response: transcriptionResponseFromProto(response), report: executionReportFromProto(report) };
  }

  async stream(
    plan: ExecutionPlan,
    request: ChatRequest,
    context: CallContext,
  ): Promise<{ parts: AsyncIterable<StreamPart>; report: ExecutionReport; final: Promise<ExecutionReport> }> {
    const message = { plan: executionPlanToProto(plan), request: chatRequestToProto(request), requestId: context.requestId };
    const events = await this.client.serverStream('executeStream', message, context, (event) => event, this.timeoutMs(plan, this.streamTimeoutMs));
    const iterator = events[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done || first.value.event.case !== 'started') {
      void iterator.return?.();
      throw internalError('ExecuteStream did not begin with the attempts that started it.');
    }
    const started = executionReportFromProto(first.value.event.value);
    let settle!: (report: ExecutionReport) => void;
    const final = new Promise<ExecutionReport>((resolve) => (settle = resolve));
    // A stream nobody reads (the request failed before its first write) still settles, when the request ends.
    context.signal.addEventListener('abort', () => settle(started), { once: true });
    return { parts: parts(iterator, started, settle), report: started, final };
  }

  async respond(
    plan: ExecutionPlan,
    body: Record<string, unknown>,
    context: CallContext,
  ): Promise<{ response: Record<string, unknown>; report: ExecutionReport }> {
    const message = { plan: executionPlanToProto(plan), bodyJson: JSON.stringify(body), requestId: context.requestId };
    const { responseJson, report } = await this.client.unary('executeResponses', message, context, this.timeoutMs(plan, this.callTimeoutMs));
    if (report === undefined) throw internalError('ExecuteResponsesResponse without a report.');
    return { response: JSON.parse(responseJson) as Record<string, unknown>, report: executionReportFromProto(report) };
  }

  async streamRespond(
    plan: ExecutionPlan,
    body: Record<string, unknown>,
    context: CallContext,
  ): Promise<{ events: AsyncIterable<NativeStreamEvent>; report: ExecutionReport; final: Promise<ExecutionReport> }> {
    const message = { plan: executionPlanToProto(plan), bodyJson: JSON.stringify(body), requestId: context.requestId };
    const events = await this.client.serverStream(
      'executeResponsesStream',
      message,
      context,
      (event) => event,
      this.timeoutMs(plan, this.streamTimeoutMs),
    );
    const iterator = events[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done || first.value.event.case !== 'started') {
      void iterator.return?.();
      throw internalError('ExecuteResponsesStream did not begin with the attempts that started it.');
    }
    const started = executionReportFromProto(first.value.event.value);
    let settle!: (report: ExecutionReport) => void;
    const final = new Promise<ExecutionReport>((resolve) => (settle = resolve));
    context.signal.addEventListener('abort', () => settle(started), { once: true });
    return { events: upstreamEvents(iterator, started, settle), report: started, final };
  }

  close(): void {
    this.client.close();
  }

  private timeoutMs(plan: ExecutionPlan, fallbackMs: number): number {
    return plan.deadline === undefined ? fallbackMs : Math.max(1, plan.deadline - Date.now() + DEADLINE_GRACE_MS);
  }
}

/**
 * The parts of an ExecuteStream call; the final report settles when it ends:
 * its last message, the trailer of the error that ended it, or (cut short by
 * the reader) the attempts as they stood when it started.
 */
async function* parts(
  events: AsyncIterator<adaptersV1.ExecuteStreamResponse>,
  started: ExecutionReport,
  settle: (report: ExecutionReport) => void,
): AsyncIterable<StreamPart> {
  let final = started;
  try {
    for (let next = await events.next(); !next.done; next = await events.next()) {
      const { event } = next.value;
      if (event.case === 'part') yield streamPartFromProto(event.value);
      else if (event.case === 'report') final = executionReportFromProto(event.value);
    }
  } catch (error) {
    final = executionReportOf(error) ?? final;
    if (isGatewayError(error) && !executionReportOf(error)) withExecutionReport(error, final);
    throw error;
  } finally {
    settle(final);
    await events.return?.();
  }
}

/** The upstream events of an ExecuteResponsesStream call, its final report settled as `parts` settles a chat stream's. */
async function* upstreamEvents(
  events: AsyncIterator<adaptersV1.ExecuteResponsesStreamResponse>,
  started: ExecutionReport,
  settle: (report: ExecutionReport) => void,
): AsyncIterable<NativeStreamEvent> {
  let final = started;
  try {
    for (let next = await events.next(); !next.done; next = await events.next()) {
      const { event } = next.value;
      if (event.case === 'upstreamEvent') yield { ...(event.value.event !== undefined && { event: event.value.event }), data: event.value.data };
      else if (event.case === 'report') final = executionReportFromProto(event.value);
    }
  } catch (error) {
    final = executionReportOf(error) ?? final;
    if (isGatewayError(error) && !executionReportOf(error)) withExecutionReport(error, final);
    throw error;
  } finally {
    settle(final);
    await events.return?.();
  }
}
