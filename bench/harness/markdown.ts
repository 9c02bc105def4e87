/** Formatting shared by the scenarios' reports: numbers, tables, medians with their spread. */

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
