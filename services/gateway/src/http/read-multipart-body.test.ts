import { isGatewayError } from '@switchyard/shared';
import { seededRandom } from '../../../../test/support/seeded-random';
import { boundaryOf, parseMultipart } from './read-multipart-body';

const LIMITS = { maxParts: 8, maxFieldBytes: 32 };

function body(...lines: (string | Buffer)[]): Buffer {
  return Buffer.concat(lines.map((line) => (typeof line === 'string' ? Buffer.from(line) : line)));
}

describe('boundaryOf', () => {
  it.each([
    ['multipart/form-data; boundary=abc', 'abc'],
    ['multipart/form-data; charset=utf-8; boundary="a b;c"', 'a b;c'],
    ['Multipart/Form-Data;BOUNDARY=----x', '----x'],
  ])('reads %s', (contentType, boundary) => {
    expect(boundaryOf(contentType)).toBe(boundary);
  });

  it.each(['multipart/form-data', 'multipart/form-data; boundary=', `multipart/form-data; boundary=${'x'.repeat(71)}`])(
    'refuses %s',
    (contentType) => {
      expect(boundaryOf(contentType)).toBeUndefined();
    },
  );
});

describe('parseMultipart', () => {
  it('splits fields and files, keeping binary data that looks like a boundary', () => {
    const audio = Buffer.from([0, 255, 13, 10, 45, 45, 120, 13, 10, 0]); // holds "\r\n--x\r\n"-like bytes but not the boundary
    const parts = parseMultipart(
      body(
        'preamble to ignore\r\n',
        '--bnd\r\n',
        'Content-Disposition: form-data; name="model"\r\n\r\n',
        'whisper-1\r\n',
        '--bnd  \r\n',
        'content-disposition: form-data; name="file"; filename="my \\"talk\\".wav"\r\ncontent-type: audio/wav\r\n\r\n',
        audio,
        '\r\n--bnd\r\n',
        'content-disposition: form-data; name=prompt\r\n\r\n',
        'line one\r\nline two\r\n',
        '--bnd--\r\nepilogue',
      ),
      'bnd',
      LIMITS,
    );
    expect(parts).toStrictEqual([
      { name: 'model', data: Buffer.from('whisper-1') },
      { name: 'file', filename: 'my "talk".wav', contentType: 'audio/wav', data: audio },
      { name: 'prompt', data: Buffer.from('line one\r\nline two') },
    ]);
  });

  it('reads an empty form', () => {
    expect(parseMultipart(Buffer.from('--b--\r\n'), 'b', LIMITS)).toStrictEqual([]);
  });

  it.each<[string, Buffer, string]>([
    ['no delimiter at all', body('just text'), 'holds no part'],
    ['a delimiter without a line break', body('--bXcontent-disposition: form-data; name="a"\r\n\r\nv\r\n--b--'), 'not followed by a line break'],
    ['headers that never end', body('--b\r\ncontent-disposition: form-data; name="a"\r\n', 'x'.repeat(9000)), 'do not end within'],
    ['a part without Content-Disposition', body('--b\r\ncontent-type: text/plain\r\n\r\nv\r\n--b--'), 'no Content-Disposition'],
    ['a part without a name', body('--b\r\ncontent-disposition: form-data; filename="a.wav"\r\n\r\nv\r\n--b--'), 'no name'],
    ['a header line without a colon', body('--b\r\ncontent-disposition form-data\r\n\r\nv\r\n--b--'), 'without a colon'],
    ['a body cut short', body('--b\r\ncontent-disposition: form-data; name="a"\r\n\r\nvalue'), 'not closed by the boundary'],
  ])('refuses %s with a 400', (_case, input, message) => {
    expect(() => parseMultipart(input, 'b', LIMITS)).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_multipart', message: expect.stringContaining(message) }),
    );
  });

  it('bounds the parts and the size of text fields, not of files', () => {
    const part = (name: string, value: string, filename?: string) =>
      `--b\r\ncontent-disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n\r\n${value}\r\n`;
    const many = body(...Array.from({ length: 9 }, (_, index) => part(`f${index}`, 'v')), '--b--');
    expect(() => parseMultipart(many, 'b', LIMITS)).toThrow(expect.objectContaining({ status: 400, code: 'too_many_parts' }));
    const long = body(part('prompt', 'x'.repeat(33)), '--b--');
    expect(() => parseMultipart(long, 'b', LIMITS)).toThrow(expect.objectContaining({ status: 400, code: 'field_too_large', param: 'prompt' }));
    const file = body(part('file', 'x'.repeat(1000), 'a.wav'), '--b--');
    expect(parseMultipart(file, 'b', LIMITS)[0].data.length).toBe(1000);
  });
});

describe('parseMultipart on mutated bodies', () => {
  const valid = body(
    '--bnd\r\ncontent-disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n',
    '--bnd\r\ncontent-disposition: form-data; name="file"; filename="a.wav"\r\ncontent-type: audio/wav\r\n\r\n',
    Buffer.from([82, 73, 70, 70, 13, 10, 45, 45, 0, 255]),
    '\r\n--bnd--\r\n',
  );

  it('either reads a mutated body or refuses it with a 400, never anything else', () => {
    const random = seededRandom(18);
    const pick = (limit: number) => Math.floor(random() * limit);
    for (let run = 0; run < 3_000; run++) {
      let mutated = Buffer.from(valid);
      for (let edit = 1 + pick(4); edit > 0; edit--) {
        const at = pick(mutated.length + 1);
        switch (pick(4)) {
          case 0: // cut short
            mutated = mutated.subarray(0, at);
            break;
          case 1: // a byte changed (often into a delimiter's or a line break's)
            if (at < mutated.length) mutated[at] = [13, 10, 45, 34, 59, 61, pick(256)][pick(7)];
            break;
          case 2: // bytes inserted
            mutated = Buffer.concat([mutated.subarray(0, at), Buffer.from(['--bnd', '\r\n', '"', ';', '\\'][pick(5)]), mutated.subarray(at)]);
            break;
          default: // a span removed
            mutated = Buffer.concat([mutated.subarray(0, at), mutated.subarray(at + 1 + pick(8))]);
        }
      }
      try {
        for (const part of parseMultipart(mutated, 'bnd', LIMITS)) expect(part.name.length).toBeGreaterThan(0);
      } catch (error) {
        if (!isGatewayError(error) || error.status !== 400)
          throw new Error(`run ${run}: ${String(error)} for ${JSON.stringify(mutated.toString('latin1'))}`, { cause: error });
      }
    }
  });
});
