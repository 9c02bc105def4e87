import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { similarity } from '@switchyard/shared';
import { offlineModelFiles } from '../offline/offline-embedder';
import { createDownloadEmbedder } from './download-embedder';

/** A hub on loopback serving the packaged MiniLM under the hub's URL layout (`/<owner>/<name>/resolve/<revision>/<file>`). */
let hub: http.Server;
let hubUrl: string;
const served: Array<{ url: string; authorization?: string }> = [];
let cacheDirectory: string;

beforeAll(async () => {
  const files = offlineModelFiles();
  const byName: Record<string, string> = {
    'config.json': files.configPath,
    'tokenizer.json': files.tokenizerPath,
    'model.safetensors': files.weightsPath,
  };
  hub = http.createServer((request, response) => {
    served.push({ url: request.url ?? '', authorization: request.headers.authorization });
    const match = /^\/acme\/mini-embed\/resolve\/main\/([\w.]+)$/.exec(request.url ?? '');
    if (request.url?.startsWith('/acme/gated/')) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Access to model acme/gated is restricted."}');
    } else if (match && byName[match[1]]) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      fs.createReadStream(byName[match[1]]).pipe(response);
    } else {
      response.writeHead(404).end('Entry not found');
    }
  });
  await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
  hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => hub.close(resolve));
});

beforeEach(() => {
  served.length = 0;
  cacheDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-models-'));
});

afterEach(() => {
  fs.rmSync(cacheDirectory, { recursive: true, force: true });
});

describe('createDownloadEmbedder (hub on loopback)', () => {
  it('downloads the model on first use with the token, runs it, and reuses the cache folder afterwards', async () => {
    const options = { model: 'acme/mini-embed', revision: 'main', hubUrl, cacheDirectory, dimensions: 384, token: 'hf_secret_token' };
    const first = createDownloadEmbedder(options);
    let vectors: Float32Array[];
    try {
      expect(served).toHaveLength(0);
      vectors = await first.embed(['The cat sits on the mat.', 'A cat is sitting on a mat.']);
    } finally {
      await first.close();
    }
    expect(served.map((request) => request.url).sort()).toEqual([
      '/acme/mini-embed/resolve/main/config.json',
      '/acme/mini-embed/resolve/main/model.safetensors',
      '/acme/mini-embed/resolve/main/tokenizer.json',
    ]);
    expect(served.every((request) => request.authorization === 'Bearer hf_secret_token')).toBe(true);
    expect(similarity(vectors[0], vectors[1])).toBeGreaterThan(0.85);
    expect(fs.readdirSync(path.join(cacheDirectory, 'acme--mini-embed', 'main')).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer.json',
    ]);

    served.length = 0;
    const second = createDownloadEmbedder({ ...options, threads: 2 });
    try {
      const [again] = await second.embed(['The cat sits on the mat.']);
      expect(served).toHaveLength(0);
      for (let index = 0; index < again.length; index++) expect(again[index]).toBeCloseTo(vectors[0][index], 5);
    } finally {
      await second.close();
    }
  }, 120_000);

  it('fails with the HTTP status and a hint for a gated model, never the token, and leaves no partial file', async () => {
    const embedder = createDownloadEmbedder({
      model: 'acme/gated',
      revision: 'main',
      hubUrl,
      cacheDirectory,
      dimensions: 384,
      token: 'hf_secret_token',
    });
    try {
      const failure = await embedder.embed(['x']).catch((error: Error) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toMatch(/config\.json of embedding model acme\/gated .*HTTP 401 \(a gated model needs embedder\.token\)/);
      expect((failure as Error).message).not.toContain('hf_secret_token');
      expect(fs.readdirSync(path.join(cacheDirectory, 'acme--gated', 'main'))).toEqual([]);
    } finally {
      await embedder.close();
    }
  });

  it('rejects a model id or revision that would leave the cache folder', () => {
    expect(() => createDownloadEmbedder({ model: '../escape', revision: 'main', hubUrl, cacheDirectory, dimensions: 384 })).toThrow(/repository id/);
    expect(() => createDownloadEmbedder({ model: 'acme/mini-embed', revision: '..', hubUrl, cacheDirectory, dimensions: 384 })).toThrow(/revision/);
  });
});
