import { normaliseWords, wordErrorRate, wordErrors } from './word-error-rate';

describe('word error rate', () => {
  it('is zero for the same words whatever the case and punctuation', () => {
    expect(wordErrorRate('The quick brown fox, jumps!', 'the Quick brown fox jumps.')).toBe(0);
    expect(normaliseWords("It's  — a test… isn’t it?")).toEqual(["it's", 'a', 'test', "isn't", 'it']);
  });

  it('counts substitutions, deletions and insertions against the reference length', () => {
    expect(wordErrors('a b c d', 'a x c d')).toMatchObject({ substitutions: 1, deletions: 0, insertions: 0, rate: 0.25 });
    expect(wordErrors('a b c d', 'a c d')).toMatchObject({ substitutions: 0, deletions: 1, insertions: 0, rate: 0.25 });
    expect(wordErrors('a b c d', 'a b e c d f')).toMatchObject({ substitutions: 0, deletions: 0, insertions: 2, rate: 0.5 });
  });

  it('finds the smallest edit, not a word-by-word comparison', () => {
    // Shifted by one word: one deletion and one insertion, not four substitutions.
    expect(wordErrors('one two three four', 'two three four five')).toMatchObject({ substitutions: 0, deletions: 1, insertions: 1, rate: 0.5 });
  });

  it('can exceed one when the hypothesis adds more words than the reference has', () => {
    expect(wordErrorRate('yes', 'no no no')).toBe(3);
  });

  it('handles empty texts', () => {
    expect(wordErrorRate('', '')).toBe(0);
    expect(wordErrorRate('', 'something')).toBe(1);
    expect(wordErrors('two words', '')).toMatchObject({ deletions: 2, rate: 1 });
  });
});
