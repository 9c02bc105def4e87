import type { IncomingMessage } from 'node:http';
import { GatewayError, invalidRequest } from '@switchyard/shared';
import { readBoundedBody, type ReadJsonBodyOptions } from './read-json-body';

/** One part of a `multipart/form-data` body: a field, or a file when it has a file name. */
export interface MultipartPart {
  name: string;
  /** Present on file parts (possibly empty, as browsers send an empty file input). */
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export interface ReadMultipartBodyOptions extends ReadJsonBodyOptions {
  /** Parts of one body; more is a 400. */
  maxParts: number;
  /** Bytes of one field that is not a file; more is a 400 naming it. */
  maxFieldBytes: number;
}

/** Bytes of one part's headers: a name, a file name and a content type need far less. */
const MAX_PART_HEADER_BYTES = 8 * 1024;

const MULTIPART_MEDIA_TYPE = /^multipart\/form-data\s*(;|$)/i;

/**
 * Reads a `multipart/form-data` body into its parts, bounded as a JSON body
 * is (413 past `limitBytes`, 408 past `timeoutMs`) and in its shape: at most
 * `maxParts` parts, fields of at most `maxFieldBytes`, headers of a part at
 * most 8 KiB. Any other media type is a 415; a body that does not follow
 * its boundary is a 400 saying where it went wrong.
 */
export async function readMultipartBody(request: IncomingMessage, options: ReadMultipartBodyOptions): Promise<MultipartPart[]> {
  const contentType = request.headers['content-type'];
  if (contentType === undefined || !MULTIPART_MEDIA_TYPE.test(contentType)) {
    request.resume();
    throw new GatewayError('Unsupported Content-Type: send the request as multipart/form-data.', {
      status: 415,
      errorClass: 'invalid_request',
      param: 'content-type',
      code: 'unsupported_media_type',
    });
  }
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) {
    request.resume();
    throw invalidRequest(
      'The Content-Type multipart/form-data has no valid boundary parameter (1 to 70 characters).',
      'content-type',
      'invalid_multipart',
    );
  }
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    request.resume();
    throw new GatewayError(`Unsupported Content-Encoding "${encoding}": send the body uncompressed.`, {
      status: 415,
      errorClass: 'invalid_request',
      code: 'unsupported_encoding',
    });
  }
  const body = await readBoundedBody(request, options);
  return parseMultipart(body, boundary, options);
}

/** The `boundary` parameter of a multipart content type (quoted or not), if it is a valid one. */
export function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  return boundary !== undefined && boundary.length >= 1 && boundary.length <= 70 ? boundary : undefined;
}

/** Splits a whole body on its boundary (RFC 7578); the preamble and epilogue are ignored. */
export function parseMultipart(
  body: Buffer,
  boundary: string,
  limits: Pick<ReadMultipartBodyOptions, 'maxParts' | 'maxFieldBytes'>,
): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  const parts: MultipartPart[] = [];
  let position = body.indexOf(delimiter);
  if (position === -1) throw malformed('the body holds no part delimited by the boundary of its Content-Type');
  position += delimiter.length;
  for (;;) {
    if (body[position] === 0x2d && body[position + 1] === 0x2d) return parts; // `--`: the closing delimiter
    // Transport padding (spaces, tabs) may follow a delimiter before its line break.
    while (body[position] === 0x20 || body[position] === 0x09) position++;
    if (body[position] !== 0x0d || body[position + 1] !== 0x0a)
      throw malformed(`a boundary delimiter is not followed by a line break (part ${parts.length + 1})`);
    position += 2;
    if (parts.length >= limits.maxParts) throw invalidRequest(`The multipart body has more than ${limits.maxParts} parts.`, null, 'too_many_parts');
    const headerEnd = body.indexOf('\r\n\r\n', position);
    if (headerEnd === -1 || headerEnd - position > MAX_PART_HEADER_BYTES) {
      throw malformed(`the headers of part ${parts.length + 1} do not end within ${MAX_PART_HEADER_BYTES} bytes`);
    }
    const headers = parsePartHeaders(body.toString('utf8', position, headerEnd), parts.length + 1);
    const dataStart = headerEnd + 4;
    const dataEnd = body.indexOf(nextDelimiter, dataStart);
    if (dataEnd === -1) throw malformed(`part ${parts.length + 1} ("${headers.name}") is not closed by the boundary: the body may be cut short`);
    const data = body.subarray(dataStart, dataEnd);
    if (headers.filename === undefined && data.length > limits.maxFieldBytes) {
      throw invalidRequest(`The form field "${headers.name}" is larger than ${limits.maxFieldBytes} bytes.`, headers.name, 'field_too_large');
    }
    parts.push({ ...headers, data });
    position = dataEnd + nextDelimiter.length;
  }
}

function parsePartHeaders(text: string, number: number): Omit<MultipartPart, 'data'> {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) throw malformed(`part ${number} has a header line without a colon`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    else if (name === 'content-type') contentType = value;
  }
  if (disposition === undefined || !/^form-data\s*(;|$)/i.test(disposition))
    throw malformed(`part ${number} has no Content-Disposition: form-data header`);
  const name = dispositionParameter(disposition, 'name');
  if (name === undefined || name === '') throw malformed(`part ${number} has no name in its Content-Disposition`);
  const filename = dispositionParameter(disposition, 'filename');
  return { name, ...(filename !== undefined && { filename }), ...(contentType !== undefined && { contentType }) };
}

/** A parameter of a Content-Disposition header: quoted (with `\"` escapes) or a bare token. */
function dispositionParameter(disposition: string, parameter: 'name' | 'filename'): string | undefined {
  const match = new RegExp(`;\\s*${parameter}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i').exec(disposition);
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2];
}

function malformed(detail: string): GatewayError {
  return invalidRequest(`The multipart body is malformed: ${detail}.`, null, 'invalid_multipart');
}
