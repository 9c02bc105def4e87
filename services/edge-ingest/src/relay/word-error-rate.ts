/**
 * Word error rate: the word-level Levenshtein distance between a reference
 * and a hypothesis (substitutions + deletions + insertions) divided by the
 * reference's word count. Both are normalised first (case and punctuation
 * dropped; digits are not spelled out, so `3` and `three` differ), so only
 * the words are compared.
 */
export interface WordErrors {
  substitutions: number;
  deletions: number;
  insertions: number;
  referenceWords: number;
  /** (substitutions + deletions + insertions) / referenceWords; 0 for two empty texts, 1 for words heard against an empty reference. */
  rate: number;
}

/** Lower case, apostrophes kept inside words, every other non-alphanumeric character a separator. */
export function normaliseWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .split(' ')
    .map((word) => word.replace(/^'+|'+$/g, ''))
    .filter((word) => word.length > 0);
}

export function wordErrors(reference: string, hypothesis: string): WordErrors {
  const expected = normaliseWords(reference);
  const heard = normaliseWords(hypothesis);
  // cost[j] holds the edit distance of expected[0..i) and heard[0..j), with the operations that reach it.
  type Cell = { cost: number; substitutions: number; deletions: number; insertions: number };
  let previous: Cell[] = heard.map((_, j) => ({ cost: j, substitutions: 0, deletions: 0, insertions: j }));
  previous.push({ cost: heard.length, substitutions: 0, deletions: 0, insertions: heard.length });
  for (let i = 1; i <= expected.length; i++) {
    const current: Cell[] = [{ cost: i, substitutions: 0, deletions: i, insertions: 0 }];
    for (let j = 1; j <= heard.length; j++) {
      const same = expected[i - 1] === heard[j - 1];
      const diagonal = previous[j - 1];
      const substitution = { ...diagonal, cost: diagonal.cost + (same ? 0 : 1), substitutions: diagonal.substitutions + (same ? 0 : 1) };
      const deletion = { ...previous[j], cost: previous[j].cost + 1, deletions: previous[j].deletions + 1 };
      const insertion = { ...current[j - 1], cost: current[j - 1].cost + 1, insertions: current[j - 1].insertions + 1 };
      current.push([substitution, deletion, insertion].reduce((best, cell) => (cell.cost < best.cost ? cell : best)));
    }
    previous = current;
  }
  const last = previous[heard.length];
  const errors = last.substitutions + last.deletions + last.insertions;
  return {
    substitutions: last.substitutions,
    deletions: last.deletions,
    insertions: last.insertions,
    referenceWords: expected.length,
    rate: expected.length === 0 ? (heard.length === 0 ? 0 : 1) : errors / expected.length,
  };
}

/** The word error rate of `hypothesis` against `reference` (0 = every word right). */
export function wordErrorRate(reference: string, hypothesis: string): number {
  return wordErrors(reference, hypothesis).rate;
}
