/** Formatting shared by the scenarios' reports: numbers, tables, medians with their spread. */
import type { LatencySummary } from './latency-summary';

export function milliseconds(value: number, digits = 3): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

export function signedMilliseconds(value: number, digits = 2): string {
  return Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(digits)}` : '–';
}

export function percent(value: number): string {
  return Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(1)} %` : '–';
}

export function integer(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
}

/** Microseconds: two decimals below 10, one above. */
export function microseconds(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

/** The table of a micro-benchmark: one row per case, its call count and percentiles in microseconds. */
export function microsecondTable(caseHeader: string, rows: readonly { name: string; summary: LatencySummary }[]): string {
  return table(
    [caseHeader, 'calls', 'p50 µs', 'p90 µs', 'p99 µs', 'p99.9 µs', 'max µs'],
    rows.map(({ name, summary }) => [
      name,
      integer(summary.count),
      microseconds(summary.p50),
      microseconds(summary.p90),
      microseconds(summary.p99),
      microseconds(summary.p999),
      microseconds(summary.max),
    ]),
  );
}

export function cores(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : '–';
}

export function mebibytes(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : '–';
}

/**
 * A markdown table. The first `leftColumns` columns (default 1) are
 * left-aligned, the rest right-aligned; `leftAligned` aligns them all left.
 */
export function table(
  header: string[],
  rows: string[][],
  { leftAligned = false, leftColumns = 1 }: { leftAligned?: boolean; leftColumns?: number } = {},
): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, index) => (index < leftColumns || leftAligned ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The median, then `[lowest … highest]` when there are several values. */
export function withSpread(values: readonly number[], format: (value: number) => string): string {
  const finite = values.filter((value) => Number.isFinite(value));
  const middle = median(finite);
  if (!Number.isFinite(middle)) return '–';
  return values.length > 1 ? `${format(middle)} [${format(Math.min(...finite))} … ${format(Math.max(...finite))}]` : format(middle);
}
