import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { azureProviderSchema, type TranscriptionRequest } from '@switchyard/shared';
import { UpstreamClient } from '../../http/upstream-client';
import { createAzureAdapter } from './azure-adapter';

/** Azure OpenAI's transcription route: the deployment's `audio/transcriptions`, the `api-key` header, OpenAI's form and answers. */
describe('Azure OpenAI transcriptions', () => {
  const http = new UpstreamClient();
  let server: Server;
  let baseUrl: string;
  const received: { url: string; headers: IncomingHttpHeaders; form: FormData }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        void new Request('http://azure/', {
          method: 'POST',
          headers: { 'content-type': String(request.headers['content-type']) },
          body: Buffer.concat(chunks),
        })
          .formData()
          .then((form) => {
            received.push({ url: request.url ?? '', headers: request.headers, form });
            const body = JSON.stringify({ text: 'Hallo Welt.', usage: { type: 'duration', seconds: 2 } });
            response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
            response.end(body);
          });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await http.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts the form to the deployment URL with the api-key header and reads the answer', async () => {
    const adapter = createAzureAdapter({
      id: 'azure-west',
      config: azureProviderSchema.parse({ kind: 'azure', baseUrl, deployments: { 'whisper-1': 'whisper-prod' } }),
      apiKey: 'azure-secret',
      headers: {},
      http,
      env: {},
    });
    const request: TranscriptionRequest = {
      model: 'whisper-1',
      file: { filename: 'a.wav', contentType: 'audio/wav', data: new Uint8Array([1, 2, 3]) },
      responseFormat: 'json',
      language: 'de',
      timestampGranularities: [],
      include: [],
      extraFields: [],
    };
    const response = await adapter.transcribe!('whisper-1', request, { requestId: 'r-1', signal: new AbortController().signal });
    expect(response).toMatchObject({ model: 'whisper-1', text: 'Hallo Welt.', durationSeconds: 2, contentType: 'application/json' });
    expect(received).toHaveLength(1);
    expect(received[0].url).toBe('/openai/deployments/whisper-prod/audio/transcriptions?api-version=2024-10-21');
    expect(received[0].headers['api-key']).toBe('azure-secret');
    expect(received[0].form.get('language')).toBe('de');
    expect(new Uint8Array(await (received[0].form.get('file') as File).arrayBuffer())).toStrictEqual(new Uint8Array([1, 2, 3]));
  });
});
