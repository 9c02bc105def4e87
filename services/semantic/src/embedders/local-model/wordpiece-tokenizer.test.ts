import fs from 'node:fs';
import { offlineModelFiles } from '../offline/offline-embedder';
import { WordPieceTokenizer, type TokenizerJson } from './wordpiece-tokenizer';

/** The packaged model's own tokenizer.json (BERT uncased vocabulary). */
const tokenizer = new WordPieceTokenizer(JSON.parse(fs.readFileSync(offlineModelFiles().tokenizerPath, 'utf8')) as TokenizerJson);

describe('WordPieceTokenizer (the model’s tokenizer.json)', () => {
  it('gives the ids the reference tokenizer gives (bert-base-uncased vocabulary)', () => {
    // [CLS] hello world [SEP], as Hugging Face tokenizers encodes it.
    expect(tokenizer.encode('Hello world', 256)).toEqual([101, 7592, 2088, 102]);
    // "unaffable" is split greedily into word pieces: una ##ffa ##ble.
    expect(tokenizer.encode('unaffable', 256)).toEqual([101, 14477, 20961, 3468, 102]);
  });

  it('lowercases, strips accents, splits punctuation and spaces out CJK characters', () => {
    expect(tokenizer.encode('Café, RÉSUMÉ!', 256)).toEqual(tokenizer.encode('cafe , resume !', 256));
    expect(tokenizer.normalize('Ｈé\u0000l\tlo\u200b')).toBe('ｈel lo');
    expect(tokenizer.encode('你好', 256)).toEqual(tokenizer.encode('你 好', 256));
  });

  it('maps an unknown word to [UNK] and cuts long texts, keeping [SEP]', () => {
    const unknown = tokenizer.encode('\u{1F600}', 256);
    expect(unknown).toHaveLength(3);
    expect(unknown[1]).toBe(100);
    const long = tokenizer.encode('word '.repeat(500), 16);
    expect(long).toHaveLength(16);
    expect(long[0]).toBe(101);
    expect(long[15]).toBe(102);
  });

  it('refuses a tokenizer that is not WordPiece', () => {
    expect(() => new WordPieceTokenizer({ model: { type: 'BPE', vocab: {} } })).toThrow(/WordPiece/);
  });
});
