/** One part of a `multipart/form-data` body. */
export interface MultipartPart {
  name: string;
  filename?: string;
  data: Buffer;
}

export class MultipartError extends Error {
  override readonly name = 'MultipartError';
}

/** The boundary of a `multipart/form-data` content type; undefined for any other type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/**
 * Splits a whole (already bounded) `multipart/form-data` body into its
 * parts, as RFC 7578 lays them out: parts between `--boundary` lines, each
 * with headers, a blank line and its bytes.
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let offset = body.indexOf(delimiter);
  if (offset === -1) throw new MultipartError('the body holds no part');
  for (;;) {
    offset += delimiter.length;
    if (body.subarray(offset, offset + 2).toString('latin1') === '--') return parts;
    if (body.subarray(offset, offset + 2).toString('latin1') !== '\r\n') throw new MultipartError('a boundary line does not end');
    offset += 2;
    const headersEnd = body.indexOf('\r\n\r\n', offset);
    if (headersEnd === -1 || headersEnd - offset > 8 * 1024) throw new MultipartError('a part\'s headers do not end');
    const headers = body.subarray(offset, headersEnd).toString('utf8');
    const dataStart = headersEnd + 4;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), dataStart);
    if (next === -1) throw new MultipartError('the body ends inside a part');
    const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(headers)?.[1];
    if (disposition === undefined) throw new MultipartError('a part has no form-data Content-Disposition');
    const name = dispositionParameter(disposition, 'name');
    if (name === undefined) throw new MultipartError('a part has no name');
    parts.push({ name, filename: dispositionParameter(disposition, 'filename'), data: body.subarray(dataStart, next) });
    offset = next + 2;
  }
}

function dispositionParameter(disposition: string, parameter: string): string | undefined {
  const match = new RegExp(`(?:^|;)\\s*${parameter}="([^"]*)"`, 'i').exec(disposition);
  return match?.[1];
}
