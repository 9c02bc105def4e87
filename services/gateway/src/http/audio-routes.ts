import type { TranscriptionResponse } from '@switchyard/shared';
import { wavDurationSeconds } from '../audio/wav-duration';
import { authorizeModel } from '../auth/authorize-request';
import { parseTranscriptionRequest } from '../openai-wire/parse-transcription-request';
import type { Execution, RequestExecutor } from '../pipeline/request-executor';
import { readAttribution } from '../telemetry/request-attribution';
import { routingOf } from './execution-headers';
import { admitGoverned } from './governance-admission';
import { HttpExchange, type ExchangeOptions } from './http-exchange';
import type { RouteHandler } from './openai-routes';
import { readMultipartBody } from './read-multipart-body';

/** Parts of one transcription form: OpenAI's fields number about a dozen. */
const MAX_FORM_PARTS = 64;
/** Bytes of one text field (`prompt` is the longest OpenAI takes, a few hundred tokens). */
const MAX_FORM_FIELD_BYTES = 64 * 1024;

/**
 * `POST /v1/audio/transcriptions`, OpenAI's multipart speech-to-text: the
 * form read within the body limits, routed on its model like any request
 * (fallback and retries included), answered in the format asked for as the
 * provider sent it, and recorded with the seconds of audio and the cost.
 */
export function createAudioRoutes(executor: RequestExecutor, options: ExchangeOptions): Map<string, RouteHandler> {
  const { limits } = options;
  const formOptions = {
    limitBytes: options.bodyLimitBytes,
    timeoutMs: options.bodyTimeoutMs,
    maxParts: MAX_FORM_PARTS,
    maxFieldBytes: MAX_FORM_FIELD_BYTES,
  };

  async function transcriptions(exchange: HttpExchange, execution: Execution): Promise<void> {
    const telemetry = exchange.track('audio.transcription');
    telemetry.attribution = readAttribution(exchange.request.headers, limits, exchange.principal);
    const request = parseTranscriptionRequest(await readMultipartBody(exchange.request, formOptions), limits);
    telemetry.requestedModel = request.model;
    authorizeModel(exchange.principal, request.model);
    await admitGoverned(exchange, options.governance, { transcription: request });
    const { response, servedBy } = await executor.transcribe(request, execution.context, telemetry.attempted, routingOf(exchange));
    telemetry.servedModel = response.model;
    // Billed by the second, a transcription has no tokens: priced (and counted) as zero tokens plus its audio.
    telemetry.usage = response.usage ?? { inputTokens: 0, outputTokens: 0 };
    telemetry.audio = { seconds: response.durationSeconds ?? wavDurationSeconds(request.file.data), inputTokens: response.audioInputTokens };
    exchange.setServedBy(servedBy);
    sendTranscription(exchange, response);
    exchange.completed(servedBy);
  }

  const serve =
    (route: string, handle: (exchange: HttpExchange, execution: Execution) => Promise<void>): RouteHandler =>
    (request, response) => {
      const exchange = new HttpExchange(request, response, route, options);
      const execution = executor.begin(exchange.context);
      handle(exchange, execution)
        .catch((error) => exchange.fail(execution.cancellation ?? error))
        .finally(() => execution.end());
    };

  return new Map([['POST /v1/audio/transcriptions', serve('audio.transcription', transcriptions)]]);
}

/** A media type with optional parameters, nothing that could break a header. */
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;[\x20-\x7e]*)?$/;

/** The provider's answer as it sent it: JSON, or the text, SRT or WebVTT the client asked for. */
function sendTranscription(exchange: HttpExchange, transcription: TranscriptionResponse): void {
  const body = Buffer.from(transcription.body, 'utf8');
  const contentType = MEDIA_TYPE.test(transcription.contentType)
    ? transcription.contentType
    : transcription.body.startsWith('{')
      ? 'application/json'
      : 'text/plain; charset=utf-8';
  exchange.response.writeHead(200, { 'content-type': contentType, 'content-length': body.length });
  exchange.response.end(body);
}
