import { storableRecord, storableText } from './storable-text';

describe('storableText', () => {
  it('replaces lone surrogates with U+FFFD, high or low, at either end', () => {
    expect(storableText('\ud800')).toBe('\ufffd');
    expect(storableText('a\ud800b')).toBe('a\ufffdb');
    expect(storableText('a\udc00')).toBe('a\ufffd');
    expect(storableText('\udc00\ud800')).toBe('\ufffd\ufffd');
  });

  it('keeps surrogate pairs (characters outside the BMP) as they are', () => {
    expect(storableText('rocket \ud83d\ude80')).toBe('rocket 🚀');
    expect(storableText('\ud800\ud83d\ude80\udc00')).toBe('\ufffd🚀\ufffd');
  });

  it('removes NUL characters', () => {
    expect(storableText('a\u0000b\u0000')).toBe('ab');
    expect(storableText('\u0000')).toBe('');
  });

  it('returns ordinary text unchanged, the same string', () => {
    const text = 'héllo wörld — 日本語';
    expect(storableText(text)).toBe(text);
    expect(storableText('')).toBe('');
  });

  it('produces text whose JSON has no escaped lone surrogate or NUL', () => {
    const json = JSON.stringify({ a: storableText('x\ud800\u0000y') });
    expect(json).toBe('{"a":"x\ufffdy"}');
    expect(json).not.toMatch(/\\u(d[89a-f]|0000)/i);
  });
});

describe('storableRecord', () => {
  it('makes keys and values storable', () => {
    expect(storableRecord({ a: '\ud800', 'b\u0000': 'ok' })).toEqual({ a: '\ufffd', b: 'ok' });
  });

  it('returns the same object when nothing needs changing', () => {
    const record = { feature: 'search' };
    expect(storableRecord(record)).toBe(record);
  });
});
