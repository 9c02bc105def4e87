import type { BudgetRule } from '@switchyard/shared';

export type BudgetPeriodKind = BudgetRule['period'];

/** One period of a budget, as its spend is bucketed. */
export interface BudgetPeriod {
  /** `2026-12-05` (day), `2026-11-30` (the Monday of a week), `2026-12` (month), in the budget's time zone. */
  id: string;
  /** How long a bucket of this period is kept: past its end, with a margin. */
  ttlSeconds: number;
}

const DAY_SECONDS = 86_400;
const TTL_SECONDS: Record<BudgetPeriodKind, number> = { day: 3 * DAY_SECONDS, week: 15 * DAY_SECONDS, month: 65 * DAY_SECONDS };

const formatters = new Map<string, Intl.DateTimeFormat>();
/** The local date of the last minute asked, per time zone: offsets change at most once a minute. */
const lastLocalDate = new Map<string, { minute: number; date: LocalDate }>();

interface LocalDate {
  year: number;
  month: number;
  day: number;
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
}

/** The period `at` falls in, in `timezone` (IANA). */
export function budgetPeriod(kind: BudgetPeriodKind, timezone: string, at: Date): BudgetPeriod {
  const local = localDate(timezone, at);
  switch (kind) {
    case 'day':
      return { id: isoDate(local.year, local.month, local.day), ttlSeconds: TTL_SECONDS.day };
    case 'week': {
      // Calendar arithmetic in UTC on the local date: no time zone left to shift it.
      const monday = new Date(Date.UTC(local.year, local.month - 1, local.day - (local.weekday - 1)));
      return { id: isoDate(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate()), ttlSeconds: TTL_SECONDS.week };
    }
    case 'month':
      return { id: `${local.year}-${pad(local.month)}`, ttlSeconds: TTL_SECONDS.month };
  }
}

function localDate(timezone: string, at: Date): LocalDate {
  const minute = Math.floor(at.getTime() / 60_000);
  const cached = lastLocalDate.get(timezone);
  if (cached && cached.minute === minute) return cached.date;
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'short' });
    formatters.set(timezone, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(at)) parts[part.type] = part.value;
  const date = { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), weekday: WEEKDAYS[parts.weekday] };
  lastLocalDate.set(timezone, { minute, date });
  return date;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function isoDate(year: number, month: number, day: number): string {
  return `${year}-${pad(month)}-${pad(day)}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
