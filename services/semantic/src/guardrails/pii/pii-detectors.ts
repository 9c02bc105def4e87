import { isIPv6 } from 'node:net';
import type { PiiType } from '@switchyard/shared';
import { passesAbaCheck, passesIbanCheck, passesLuhn, ssnParts } from './checksums';

/**
 * One kind of personal data: a pattern finds candidates, `score` weighs one
 * (checksums and format rules; undefined drops it), and a context word near
 * it ("card", "SSN", "call me") adds `contextBoost`.
 */
export interface PiiDetector {
  type: PiiType;
  /** Global; the whole match is the candidate. */
  pattern: RegExp;
  score(candidate: string): number | undefined;
  context: RegExp;
  contextBoost: number;
}

const CARD_PREFIX = /^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5|4[4-9]|22)|3(?:0[0-5]|[68])|35)/;

/** Phone numbers: the shape says little on its own (digit groups are everywhere), the words around say the rest. */
const PHONE_CONTEXT = /\b(?:phone|call|calling|mobile|cell|tel|telephone|fax|desk|office|contact|reach|whatsapp|sms|text me|dial|ph)\b/;

export const piiDetectors: readonly PiiDetector[] = [
  {
    type: 'email',
    pattern:
      /(?<![\w.+%-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]*[A-Za-z0-9_])?@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])/g,
    score: () => 0.9,
    context: /\b(?:e-?mail|mail|contact|address|login|user)\b/,
    contextBoost: 0.1,
  },
  {
    type: 'credit_card',
    // 13 to 19 digits, in groups separated by one space or dash at most.
    pattern: /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g,
    score: (candidate) => {
      const digits = candidate.replace(/\D/g, '');
      // A failed checksum is a mistyped card at best: only "card" beside it makes it one.
      if (!passesLuhn(digits) || !CARD_PREFIX.test(digits)) return 0.2;
      return 0.85;
    },
    context: /\b(?:card|credit|debit|visa|mastercard|amex|american express|discover|cc)\b/,
    contextBoost: 0.35,
  },
  {
    type: 'iban',
    pattern: /(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}(?![\w])/g,
    // A failed checksum is still an account number someone meant to share when "IBAN" is written beside it.
    score: (candidate) => (passesIbanCheck(candidate) ? 0.95 : 0.2),
    context: /\b(?:iban|account|bank|transfer|sepa|bic|swift)\b/,
    contextBoost: 0.35,
  },
  {
    type: 'us_ssn',
    pattern: /(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w-])/g,
    score: (candidate) => {
      const parts = ssnParts(candidate);
      if (!parts.valid) return undefined;
      // 9xx areas are taxpayer numbers, never SSNs: only a nearby "SSN" makes it one.
      return parts.itinRange ? 0.15 : 0.5;
    },
    context: /\b(?:ssn|ssns|social security|social-security|socsec)\b/,
    contextBoost: 0.45,
  },
  {
    type: 'ip_address',
    pattern:
      /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)|(?<![\w:])(?:[0-9A-Fa-f]{1,4}:|:)(?:[0-9A-Fa-f]{0,4}:){1,7}(?:[0-9A-Fa-f]{1,4}|:)(?![\w:])/g,
    score: (candidate) => (candidate.includes(':') ? (isIPv6(candidate) && candidate !== '::' ? 0.7 : undefined) : 0.6),
    context: /\b(?:ip|ipv4|ipv6|address|host|server|client|addr)\b/,
    contextBoost: 0.3,
  },
  {
    type: 'us_bank_routing',
    pattern: /(?<![\w-])\d{9}(?![\w-])/g,
    // Nine digits pass the ABA check one time in ten: only "routing" beside it makes it one.
    score: (candidate) => (passesAbaCheck(candidate) ? 0.15 : undefined),
    context: /\b(?:routing|aba|rtn|transit)\b/,
    contextBoost: 0.6,
  },
  {
    type: 'phone',
    pattern: new RegExp(
      [
        // International: +CC or 00CC, then groups.
        String.raw`(?<![\w+])(?:\+|00)\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}`,
        // Parenthesised area code, then groups.
        String.raw`(?<![\w)])\(\d{2,4}\) ?\d{2,4}(?:[ .-]\d{2,4}){1,3}`,
        // Digit groups joined by one separator.
        String.raw`(?<![\w.+-])\d{2,4}(?:[ .-]\d{2,4}){2,4}`,
      ]
        .map((alternative) => `${alternative}(?: ?(?:x|ext\\.?) ?\\d{1,6})?(?![\\w-]|[.]\\d)`)
        .join('|'),
      'g',
    ),
    score: (candidate) => {
      const digits = candidate.replace(/x.*$|ext.*$/, '').replace(/\D/g, '');
      if (digits.length < 7 || digits.length > 15) return undefined;
      if (/^(?:\+|00)/.test(candidate)) return 0.6;
      // North American layout: NXX-NXX-XXXX.
      if (/^(?:1[ .-]?)?\(?[2-9]\d{2}\)?[ .-]?[2-9]\d{2}[ .-]\d{4}\b/.test(candidate)) return 0.55;
      return 0.3;
    },
    context: PHONE_CONTEXT,
    contextBoost: 0.35,
  },
];
