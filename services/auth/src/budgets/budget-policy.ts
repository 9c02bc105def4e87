import type { BudgetRule } from '@switchyard/shared';
import { nameMatcher, type NameMatcher } from '../rate-limits/rate-limit-policy';

/** Who spent: the attribution both a request and its cost event carry. */
export interface SpendSubject {
  /** '' without a virtual key. */
  keyId: string;
  workspace: string;
  /** The body's `user`; '' when absent. */
  user: string;
}

/** One budget that applies to a subject. */
export interface Budget {
  /** Names the budget's spend buckets (one per period). */
  id: string;
  scope: BudgetRule['scope'];
  subject: string;
  rule: BudgetRule;
}

/** Which budgets apply: from config today, from the admin API's store later, through the same interface. */
export interface BudgetPolicy {
  budgetsFor(subject: SpendSubject): readonly Budget[];
}

/** The rules of `governance.budgets`, in order. */
export class ConfigBudgetPolicy implements BudgetPolicy {
  private readonly rules: ReadonlyArray<{ rule: BudgetRule; id: string; matches: NameMatcher }>;

  constructor(rules: readonly BudgetRule[]) {
    this.rules = rules.map((rule, index) => ({ rule, id: `budget${index}`, matches: nameMatcher(rule.match) }));
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  budgetsFor(subject: SpendSubject): Budget[] {
    const budgets: Budget[] = [];
    for (const { rule, id, matches } of this.rules) {
      const name = rule.scope === 'key' ? subject.keyId : rule.scope === 'workspace' ? subject.workspace : subject.user;
      if (name === '' || !matches(name)) continue;
      budgets.push({ id: `${id}:${rule.scope}:${name}`, scope: rule.scope, subject: name, rule });
    }
    return budgets;
  }
}
