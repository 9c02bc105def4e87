import { ErrorTally, summarizeLatencies } from './latency-summary';

describe('summarizeLatencies', () => {
  it('gives nearest-rank percentiles of 1..1000 ms whatever the input order', () => {
    const values = Array.from({ length: 1000 }, (_, index) => 1000 - index);
    expect(summarizeLatencies(values)).toEqual({ count: 1000, p50: 500, p90: 900, p99: 990, p999: 999, max: 1000, mean: 500.5 });
  });

  it('keeps a whole-number rank from rounding up a place (p99.9 of 2,000 values is the 1,998th)', () => {
    const values = Array.from({ length: 2000 }, (_, index) => index + 1);
    const summary = summarizeLatencies(values);
    expect(summary.p999).toBe(1998);
    expect(summary.p99).toBe(1980);
  });

  it('reports the only value at every percentile of one value, and NaN for none', () => {
    expect(summarizeLatencies([0.25])).toMatchObject({ count: 1, p50: 0.25, p999: 0.25, max: 0.25, mean: 0.25 });
    const empty = summarizeLatencies([]);
    expect(empty.count).toBe(0);
    expect(empty.p50).toBeNaN();
    expect(empty.p999).toBeNaN();
  });

  it('sorts numerically, not as text', () => {
    expect(summarizeLatencies([10, 9, 100, 2]).p50).toBe(9);
  });
});

describe('ErrorTally', () => {
  it('counts every failure and keeps a bounded number of distinct reasons', () => {
    const tally = new ErrorTally(2);
    tally.record({ ok: true });
    tally.record({ ok: false, problem: 'status 500', body: '{"error":{}}' });
    tally.record({ ok: false, problem: 'status 500', body: '{"error":{}}' });
    tally.record({ ok: false, problem: 'stream without a data event' });
    tally.record({ ok: false, problem: 'ECONNRESET' });
    expect(tally.toJSON()).toEqual({ count: 4, samples: ['status 500 {"error":{}}', 'stream without a data event'] });
  });
});
