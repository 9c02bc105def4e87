/**
 * Phrasings that mark an attempt to override the instructions, with how
 * sure each is on its own; the embedding index catches the paraphrases.
 * Mostly English and German (the languages of the attacks the index holds).
 */
const HEURISTICS: ReadonlyArray<{ pattern: RegExp; score: number }> = [
  {
    pattern:
      /\b(?:ignore|disregard|forget|skip|override|overlook)\b[^.!?\n]{0,40}\b(?:previous|prior|above|earlier|preceding|initial|original|all|your|these|those|the)\b[^.!?\n]{0,30}\b(?:instructions?|prompts?|rules?|directions?|directives?|tasks?|guidelines?|context|constraints?|orders?)\b/i,
    score: 0.95,
  },
  {
    pattern:
      /\b(?:ignorier\w*|vergiss|vergessen|missacht\w*)\b[^.!?\n]{0,40}\b(?:anweisung\w*|aufgabe\w*|befehl\w*|instruktion\w*|informationen|vorgaben|regeln)\b/i,
    score: 0.95,
  },
  { pattern: /\b(?:forget|ignore|disregard)\s+(?:about\s+)?(?:everything|all)\b|\bvergiss alles\b/i, score: 0.85 },
  // The same order in the other languages the known attacks use (Spanish, French, Croatian).
  {
    pattern: /\b(?:olvid[ae]\w*|oubli\w*|zaboravi)\b[^.!?\n]{0,30}\b(?:todo|todas|instrucciones|tout|toutes|instructions|sve|instrukcije)\b/i,
    score: 0.85,
  },
  {
    pattern: /\b(?:what (?:is|was) written (?:above|at the beginning)|(?:beginning|start) of (?:this|the) prompt|(?:text|prompt) above)\b/i,
    score: 0.85,
  },
  {
    pattern:
      /\b(?:reveal|show|print|repeat|output|display|leak|tell me)\b[^.!?\n]{0,30}\b(?:system prompt|initial (?:prompt|instructions)|hidden instructions|instructions you were given|your instructions)\b/i,
    score: 0.9,
  },
  { pattern: /\b(?:do anything now|jailbreak|jailbroken|developer mode|dan mode|god mode)\b/i, score: 0.9 },
  {
    pattern:
      /\b(?:no|without any?|free of|broken free of)\b[^.!?\n]{0,20}\b(?:restrictions|limitations|filters|censorship|guidelines|rules|ethics)\b/i,
    score: 0.7,
  },
  { pattern: /\b(?:now|from now on)\b[^.!?\n]{0,30}\b(?:new (?:task|instructions?|role)|you are|you will act|act as)\b/i, score: 0.75 },
  { pattern: /\b(?:pretend (?:to be|you are)|roleplay as|act as if you (?:are|were)|you are no longer)\b/i, score: 0.6 },
  { pattern: /\b(?:nun|jetzt|ab sofort)\b[^.!?\n]{0,30}\b(?:neue aufgabe|bist du|spielst du|du bist)\b/i, score: 0.75 },
];

/** The highest score of the phrasings `text` holds, 0 without any. */
export function injectionHeuristicScore(text: string): number {
  let best = 0;
  for (const heuristic of HEURISTICS) if (heuristic.score > best && heuristic.pattern.test(text)) best = heuristic.score;
  return best;
}
