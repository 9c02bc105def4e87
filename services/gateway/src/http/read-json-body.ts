import type { IncomingMessage } from 'node:http';
import { GatewayError } from '@switchyard/shared';

/**
 * Reads a request body as JSON, refusing one over `limitBytes` (413, as soon
 * as the declared length or the bytes read pass it) and one that is not
 * valid JSON (400). Only identity encoding is accepted (415 otherwise).
 */
export function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<unknown> {
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    return Promise.reject(
      new GatewayError(`Unsupported Content-Encoding "${encoding}": send the body uncompressed.`, {
        status: 415, errorClass: 'invalid_request', code: 'unsupported_encoding',
      }),
    );
  }
  const declared = Number(request.headers['content-length']);
  if (declared > limitBytes) {
    request.resume();
    return Promise.reject(tooLarge(limitBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        request.off('data', onData);
        request.resume();
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('error', reject);
    request.once('end', () => {
      if (size > limitBytes) return;
      const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(
          new GatewayError('The body of the request is not valid JSON. Send a JSON object with the Content-Type header application/json.', {
            status: 400, errorClass: 'invalid_request', code: 'invalid_json',
          }),
        );
      }
    });
  });
}

function tooLarge(limitBytes: number): GatewayError {
  return new GatewayError(`The request body is larger than the limit of ${limitBytes} bytes.`, {
    status: 413, errorClass: 'payload_too_large', code: 'request_too_large',
  });
}
