import { MultipartError, multipartBoundary, parseMultipart } from './multipart-body';

const body = (boundary: string, parts: string[]) => Buffer.from(`preamble\r\n${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join('')}--${boundary}--\r\n`, 'latin1');

describe('multipart/form-data bodies', () => {
  it('finds the boundary, quoted or not, only in form-data', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc123')).toBe('abc123');
    expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary="a b:c"')).toBe('a b:c');
    expect(multipartBoundary('application/json')).toBeUndefined();
    expect(multipartBoundary(undefined)).toBeUndefined();
  });

  it('splits the parts with their names, file names and exact bytes', () => {
    const parts = parseMultipart(
      body('XyZ', [
        'Content-Disposition: form-data; name="files"; filename="a_1733400000.bin"\r\nContent-Type: application/octet-stream\r\n\r\n\x01\x00\x00\x00\xff',
        'Content-Disposition: form-data; name="note"\r\n\r\nhello\r\n--not-the-boundary',
      ]),
      'XyZ',
    );
    expect(parts.map(({ name, filename, data }) => [name, filename, [...data]])).toEqual([
      ['files', 'a_1733400000.bin', [1, 0, 0, 0, 255]],
      ['note', undefined, [...Buffer.from('hello\r\n--not-the-boundary')]],
    ]);
  });

  it.each([
    ['no boundary at all', Buffer.from('just bytes'), 'no part'],
    ['a part that never ends', Buffer.from('--B\r\nContent-Disposition: form-data; name="files"\r\n\r\nbytes'), 'ends inside a part'],
    ['a part without a name', body('B', ['Content-Disposition: form-data; filename="a.bin"\r\n\r\nx']), 'no name'],
    ['a part without Content-Disposition', body('B', ['Content-Type: text/plain\r\n\r\nx']), 'Content-Disposition'],
  ])('refuses %s', (_name, bytes, reason) => {
    expect(() => parseMultipart(bytes, 'B')).toThrow(MultipartError);
    expect(() => parseMultipart(bytes, 'B')).toThrow(reason);
  });
});
