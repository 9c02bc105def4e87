import type { PiiFinding, PiiType } from '@switchyard/shared';
import { piiDetectors } from './pii-detectors';

/** Findings scoring below this are left out unless the caller says otherwise. */
export const DEFAULT_PII_MIN_SCORE = 0.5;

/** How far around a candidate context words count: about a short clause each side. */
const CONTEXT_BEFORE = 48;
const CONTEXT_AFTER = 24;

export interface DetectPiiOptions {
  /** Only these types (all without it). */
  types?: readonly PiiType[];
  minScore?: number;
}

/**
 * Finds personal data in `text`: every detector's candidates scored, then
 * overlapping ones resolved to the best (highest score, then the longest),
 * in text order.
 */
export function detectPii(text: string, options: DetectPiiOptions = {}): PiiFinding[] {
  const minScore = options.minScore ?? DEFAULT_PII_MIN_SCORE;
  const wanted = options.types ? new Set<string>(options.types) : undefined;
  const lower = text.toLowerCase();
  const candidates: PiiFinding[] = [];
  for (const detector of piiDetectors) {
    if (wanted && !wanted.has(detector.type)) continue;
    for (const match of text.matchAll(detector.pattern)) {
      const base = detector.score(match[0]);
      if (base === undefined) continue;
      const start = match.index;
      const end = start + match[0].length;
      const around = lower.slice(Math.max(0, start - CONTEXT_BEFORE), start) + ' ' + lower.slice(end, end + CONTEXT_AFTER);
      const score = Math.min(1, base + (detector.context.test(around) ? detector.contextBoost : 0));
      if (score >= minScore) candidates.push({ type: detector.type, start, end, score: round(score) });
    }
  }
  candidates.sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start));
  const kept: PiiFinding[] = [];
  for (const candidate of candidates) {
    if (kept.every((finding) => candidate.end <= finding.start || candidate.start >= finding.end)) kept.push(candidate);
  }
  return kept.sort((a, b) => a.start - b.start);
}

function round(score: number): number {
  return Math.round(score * 100) / 100;
}
