import type { IncomingMessage } from 'node:http';
import { GatewayError } from '@switchyard/shared';

export interface ReadJsonBodyOptions {
  limitBytes: number;
  /** The whole body must arrive within this long of the call (408 after). */
  timeoutMs: number;
}

/** `application/json`, with or without parameters such as `; charset=utf-8`. */
const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

/**
 * Reads a request body as JSON, refusing one over `limitBytes` (413, as soon
 * as the declared length or the bytes read pass it), one that is not
 * valid JSON (400), and one that has not fully arrived within `timeoutMs`
 * (408: a client dribbling a body would otherwise hold a connection for as
 * long as it likes). Only `Content-Type: application/json` is accepted (415
 * otherwise): a browser can send a `text/plain` POST to any site without
 * asking first, and must not be able to spend the gateway's provider keys.
 * Only identity encoding is accepted (415 otherwise).
 */
export function readJsonBody(request: IncomingMessage, options: ReadJsonBodyOptions): Promise<unknown> {
  const { limitBytes, timeoutMs } = options;
  const contentType = request.headers['content-type'];
  if (contentType === undefined || !JSON_MEDIA_TYPE.test(contentType)) {
    request.resume();
    return Promise.reject(
      new GatewayError('Unsupported Content-Type: send the body as JSON with the header Content-Type: application/json.', {
        status: 415,
        errorClass: 'invalid_request',
        param: 'content-type',
        code: 'unsupported_media_type',
      }),
    );
  }
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    return Promise.reject(
      new GatewayError(`Unsupported Content-Encoding "${encoding}": send the body uncompressed.`, {
        status: 415,
        errorClass: 'invalid_request',
        code: 'unsupported_encoding',
      }),
    );
  }
  return readBoundedBody(request, { limitBytes, timeoutMs }).then((body) => {
    try {
      return JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      throw new GatewayError('The body of the request is not valid JSON. Send a JSON object with the Content-Type header application/json.', {
        status: 400,
        errorClass: 'invalid_request',
        code: 'invalid_json',
      });
    }
  });
}

export interface ReadBoundedBodyOptions extends ReadJsonBodyOptions {
  /** The 413 to answer; the generic one by default. */
  tooLarge?: (limitBytes: number) => GatewayError;
}

/**
 * Reads a request body of any type: 413 as soon as the declared length or
 * the bytes read pass `limitBytes` (the rest is drained, not kept), 408 when
 * it has not fully arrived within `timeoutMs`.
 */
export function readBoundedBody(request: IncomingMessage, options: ReadBoundedBodyOptions): Promise<Buffer> {
  const { limitBytes, timeoutMs } = options;
  const refuse = options.tooLarge ?? tooLarge;
  if (Number(request.headers['content-length']) > limitBytes) {
    request.resume();
    return Promise.reject(refuse(limitBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.off('data', onData);
      outcome();
    };
    const timer = setTimeout(() => settle(() => reject(bodyTimedOut(timeoutMs))), timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        settle(() => reject(refuse(limitBytes)));
        request.resume();
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('error', (error) => settle(() => reject(error)));
    // A client gone before the end of its body: nothing will answer it, but the timer must not outlive it.
    request.once('close', () => settle(() => reject(bodyTimedOut(timeoutMs))));
    request.once('end', () => settle(() => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size))));
  });
}

/** The error of a body that did not arrive in time; its connection is closed after the answer. */
export function bodyTimedOut(timeoutMs: number): GatewayError {
  return new GatewayError(`The request body did not arrive within ${timeoutMs} ms.`, {
    // The client's slowness, not an upstream's: never retried, typed as a client error.
    status: 408,
    errorClass: 'invalid_request',
    code: 'request_body_timeout',
  });
}

function tooLarge(limitBytes: number): GatewayError {
  return new GatewayError(`The request body is larger than the limit of ${limitBytes} bytes.`, {
    status: 413,
    errorClass: 'payload_too_large',
    code: 'request_too_large',
  });
}
