import { budgetPeriod } from './budget-period';

describe('budget periods', () => {
  it('start at local midnight in the time zone', () => {
    const lateEvening = new Date('2026-12-04T23:30:00Z');
    expect(budgetPeriod('day', 'UTC', lateEvening).id).toBe('2026-12-04');
    expect(budgetPeriod('day', 'Europe/Paris', lateEvening).id).toBe('2026-12-05');
    expect(budgetPeriod('day', 'America/Los_Angeles', new Date('2026-12-05T07:59:00Z')).id).toBe('2026-12-04');
    expect(budgetPeriod('day', 'America/Los_Angeles', new Date('2026-12-05T08:00:00Z')).id).toBe('2026-12-05');
  });

  it('name a week by its Monday, across month and year ends', () => {
    expect(budgetPeriod('week', 'UTC', new Date('2026-12-05T12:00:00Z')).id).toBe('2026-11-30'); // a Saturday
    expect(budgetPeriod('week', 'UTC', new Date('2026-11-30T00:00:00Z')).id).toBe('2026-11-30'); // the Monday itself
    expect(budgetPeriod('week', 'UTC', new Date('2026-11-29T23:59:59Z')).id).toBe('2026-11-23'); // the Sunday before
    expect(budgetPeriod('week', 'UTC', new Date('2027-01-02T12:00:00Z')).id).toBe('2026-12-28');
    // Sunday 23:30 in UTC is already Monday in Tokyo.
    expect(budgetPeriod('week', 'Asia/Tokyo', new Date('2026-11-29T23:30:00Z')).id).toBe('2026-11-30');
  });

  it('name a month by year and month, in the time zone', () => {
    expect(budgetPeriod('month', 'UTC', new Date('2026-11-30T23:00:00Z')).id).toBe('2026-11');
    expect(budgetPeriod('month', 'Europe/Paris', new Date('2026-11-30T23:00:00Z')).id).toBe('2026-12');
  });

  it('keep a bucket past its period', () => {
    expect(budgetPeriod('day', 'UTC', new Date()).ttlSeconds).toBeGreaterThan(86_400);
    expect(budgetPeriod('month', 'UTC', new Date()).ttlSeconds).toBeGreaterThan(31 * 86_400);
  });
});
