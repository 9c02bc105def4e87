// The periods the pages look at, each with the bucket size its charts use.

export type RangeName = '1h' | '24h' | '7d';

export const RANGES: Record<RangeName, { label: string; ms: number; interval: string }> = {
  '1h': { label: 'Last hour', ms: 3_600_000, interval: '1m' },
  '24h': { label: 'Last 24 hours', ms: 86_400_000, interval: '15m' },
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000, interval: '6h' },
};

/** `from` and `to` of the range ending now, rounded down to the minute so repeated renders ask the same question. */
export function rangeWindow(range: RangeName, now = Date.now()): { from: string; to: string } {
  const to = Math.floor(now / 60_000) * 60_000 + 60_000;
  return { from: new Date(to - RANGES[range].ms).toISOString(), to: new Date(to).toISOString() };
}

export function RangePicker({ value, onChange }: { value: RangeName; onChange: (range: RangeName) => void }) {
  return (
    <label>
      Period{' '}
      <select name="range" value={value} onChange={(event) => onChange(event.target.value as RangeName)}>
        {(Object.keys(RANGES) as RangeName[]).map((name) => (
          <option key={name} value={name}>
            {RANGES[name].label}
          </option>
        ))}
      </select>
    </label>
  );
}
