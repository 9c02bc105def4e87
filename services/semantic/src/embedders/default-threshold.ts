/**
 * The similarity at or above which two prompts count as the same question
 * with the offline embedder (all-MiniLM-L6-v2, int8 or fp32: the same
 * figures to two places). Measured on the fixtures' STS-B dev and GPTCache
 * pairs (quality/offline-quality.test.ts): precision 0.99 and recall 0.92
 * overall; 0.96 / 0.80 on STS-B alone, 1.00 / 0.95 on GPTCache. Another
 * model needs its own measurement.
 */
export const OFFLINE_SIMILARITY_THRESHOLD = 0.8;
