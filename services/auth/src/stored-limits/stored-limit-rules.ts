import type { BudgetRule, Principal } from '@switchyard/shared';
import type { Budget, BudgetPolicy, SpendSubject } from '../budgets/budget-policy';
import type { RateLimit, RateLimitPolicy, RateLimitSubject } from '../rate-limits/rate-limit-policy';
import { ReloadedSnapshot, type SnapshotAttachOptions } from '../change-bus/reloaded-snapshot';
import type { LimitChangeBus } from './limit-change-bus';
import type { StoredBudget, StoredLimitStore, StoredRateLimit } from './stored-limit-store';

/** How often the rules are read again even without a change message: the backstop for a lost one. */
export const DEFAULT_LIMITS_RELOAD_INTERVAL_MS = 30_000;

export type AttachOptions = SnapshotAttachOptions;

interface LimitSnapshot {
  rateLimits: Map<string, StoredRateLimit[]>;
  budgets: Map<string, Array<{ stored: StoredBudget; budgetRule: BudgetRule }>>;
}

/**
 * The stored rate limits and budgets as an in-memory snapshot, so the
 * policies answer synchronously on the request path. Empty until
 * `attach` loads it; reloaded at once after a change made here
 * (`changed`), on every change message from another process, and every
 * `reloadIntervalMs`. A reload that fails keeps the last snapshot.
 */
export class StoredLimitRules {
  private readonly snapshot = new ReloadedSnapshot<LimitSnapshot>(
    { reloadFailed: 'stored-limits-reload-failed: serving with the last rules read', publishFailed: 'limit-changes-publish-failed' },
    { rateLimits: new Map(), budgets: new Map() },
    DEFAULT_LIMITS_RELOAD_INTERVAL_MS,
  );

  attach(store: StoredLimitStore, bus: LimitChangeBus, options: AttachOptions = {}): Promise<void> {
    return this.snapshot.attach(
      async () => {
        const [rateLimits, budgets] = await Promise.all([store.listRateLimits(), store.listBudgets()]);
        return {
          rateLimits: groupByWorkspace(rateLimits),
          budgets: groupByWorkspace(budgets.map((stored) => ({ stored, workspace: stored.workspace, budgetRule: budgetRuleOf(stored) }))),
        };
      },
      bus,
      options,
    );
  }

  /** Reads every rule again. */
  reload(): Promise<void> {
    return this.snapshot.reload();
  }

  /** After a change made in this process: reloads here, then tells the other processes. Never throws. */
  changed(): Promise<void> {
    return this.snapshot.changed();
  }

  rateLimitsOf(workspace: string): readonly StoredRateLimit[] {
    return this.snapshot.value.rateLimits.get(workspace) ?? [];
  }

  budgetsOf(workspace: string): ReadonlyArray<{ stored: StoredBudget; budgetRule: BudgetRule }> {
    return this.snapshot.value.budgets.get(workspace) ?? [];
  }

  close(): Promise<void> {
    return this.snapshot.close();
  }
}

function groupByWorkspace<Entry extends { workspace: string }>(entries: readonly Entry[]): Map<string, Entry[]> {
  const grouped = new Map<string, Entry[]>();
  for (const entry of entries) {
    const list = grouped.get(entry.workspace);
    if (list) list.push(entry);
    else grouped.set(entry.workspace, [entry]);
  }
  return grouped;
}

function budgetRuleOf(stored: StoredBudget): BudgetRule {
  return {
    scope: stored.scope,
    match: stored.subject,
    limitUsd: stored.limitUsd,
    period: stored.period,
    timezone: stored.timezone,
    alertAtPercent: stored.alertAtPercent,
  };
}

function counts(scope: StoredRateLimit['scope'], subject: string, keyId: string, user: string): boolean {
  return scope === 'workspace' || (scope === 'key' ? keyId === subject : user === subject);
}

/** The stored rate limits of the request's workspace that count it; each rule its own buckets, named by its id. */
export class StoredRateLimitPolicy implements RateLimitPolicy {
  constructor(private readonly rules: StoredLimitRules) {}

  limitsFor(principal: Principal, subject: RateLimitSubject): RateLimit[] {
    const limits: RateLimit[] = [];
    for (const rule of this.rules.rateLimitsOf(subject.workspace)) {
      if (!counts(rule.scope, rule.subject, principal.keyId, subject.user)) continue;
      limits.push({
        id: `${rule.id}:${rule.scope}:${rule.subject}`,
        scope: rule.scope,
        subject: rule.subject,
        requestsPerMinute: rule.requestsPerMinute,
        tokensPerMinute: rule.tokensPerMinute,
        tokenKind: rule.tokenKind,
      });
    }
    return limits;
  }
}

/** The stored budgets of the spender's workspace that count it. */
export class StoredBudgetPolicy implements BudgetPolicy {
  constructor(private readonly rules: StoredLimitRules) {}

  budgetsFor(subject: SpendSubject): Budget[] {
    const budgets: Budget[] = [];
    for (const { stored, budgetRule } of this.rules.budgetsOf(subject.workspace)) {
      if (!counts(stored.scope, stored.subject, subject.keyId, subject.user)) continue;
      budgets.push({ id: `${stored.id}:${stored.scope}:${stored.subject}`, scope: stored.scope, subject: stored.subject, rule: budgetRule });
    }
    return budgets;
  }
}

/** The limits of every policy, in order (the config's, then the stored ones). */
export class CombinedRateLimitPolicy implements RateLimitPolicy {
  constructor(private readonly policies: readonly RateLimitPolicy[]) {}

  limitsFor(principal: Principal, subject: RateLimitSubject): RateLimit[] {
    return this.policies.flatMap((policy) => policy.limitsFor(principal, subject));
  }
}

export class CombinedBudgetPolicy implements BudgetPolicy {
  constructor(private readonly policies: readonly BudgetPolicy[]) {}

  budgetsFor(subject: SpendSubject): Budget[] {
    return this.policies.flatMap((policy) => policy.budgetsFor(subject));
  }
}
