import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { headerSafeValue, setSwitchyardHeader } from './response-headers';

describe('headerSafeValue', () => {
  it('keeps printable ASCII and percent-encodes the UTF-8 of anything else, reversibly', () => {
    expect(headerSafeValue('gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(headerSafeValue('targets[1].targets[0]')).toBe('targets[1].targets[0]');
    expect(headerSafeValue('gpt-4o-mini-ж')).toBe('gpt-4o-mini-%D0%B6');
    expect(decodeURIComponent(headerSafeValue('gpt-4o-mini-ж'))).toBe('gpt-4o-mini-ж');
    expect(headerSafeValue('a b%\u0000\r\n')).toBe('a%20b%25%00%0D%0A');
    expect(decodeURIComponent(headerSafeValue('100% ё'))).toBe('100% ё');
  });

  it('never throws, even on a lone surrogate, and bounds the length', () => {
    expect(headerSafeValue('x\ud800')).toBe('x%EF%BF%BD');
    expect(headerSafeValue('ж'.repeat(50_000)).length).toBe(1_024);
  });

  it('gives a value Node accepts in a real response', async () => {
    const names = ['gpt-4o-mini-ж', 'bad\u0000name', 'x\ud800', '\ufffd'];
    const server: Server = createServer((_request, response) => {
      names.forEach((name, index) => setSwitchyardHeader(response, `x-switchyard-test-${index}`, name));
      response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, (response) => {
          response.resume();
          response.on('end', () => resolve(response.headers));
        }).on('error', reject);
      });
      expect(headers['x-switchyard-test-0']).toBe('gpt-4o-mini-%D0%B6');
      expect(headers['x-switchyard-test-1']).toBe('bad%00name');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
