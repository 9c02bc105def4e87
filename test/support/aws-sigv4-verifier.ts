import { createHash, createHmac } from 'node:crypto';

/**
 * An independent check of an AWS Signature Version 4 `Authorization` header,
 * written from AWS's description of the algorithm
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html)
 * with node:crypto alone, so that tests do not trust the signer they test.
 * Covers what Switchyard sends: header signing, a body, a query, and path
 * segments encoded once more for the canonical URI (every service but S3).
 */
export interface SignedRequest {
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | string;
}

export interface SignatureCheck {
  valid: boolean;
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  canonicalRequest: string;
}

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

export function verifySigV4(request: SignedRequest, secretAccessKey: string): SignatureCheck {
  const header = (name: string): string => {
    const value = request.headers[name.toLowerCase()];
    if (value === undefined) throw new Error(`the request has no ${name} header`);
    return Array.isArray(value) ? value.join(',') : value;
  };
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      header('authorization'),
    );
  if (!match) throw new Error(`not a SigV4 Authorization header: ${header('authorization')}`);
  const [, accessKeyId, date, region, service, signedHeaderList, signature] = match;
  const signedHeaders = signedHeaderList.split(';');
  const amzDate = header('x-amz-date');

  const [rawPath, rawQuery = ''] = request.url.split('?', 2);
  const canonicalUri = rawPath
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
  const canonicalQuery = rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const [name, value = ''] = pair.split('=', 2).map((part) => uriEncode(decodeURIComponent(part.replace(/\+/g, ' '))));
      return [name, value] as const;
    })
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${header(name).trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [request.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaderList, sha256Hex(request.body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  const expected = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return { valid: expected === signature, accessKeyId, date, region, service, signedHeaders, canonicalRequest };
}
