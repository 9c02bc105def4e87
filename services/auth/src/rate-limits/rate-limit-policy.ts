import type { Principal, RateLimitRule } from '@switchyard/shared';

export type RateLimitScope = RateLimitRule['scope'];
export type TokenKind = RateLimitRule['tokenKind'];

/** What a limit is matched on, besides the principal. */
export interface RateLimitSubject {
  workspace: string;
  /** The body's `user`; '' when absent. */
  user: string;
  /** The model as requested. */
  model: string;
}

/** One limit that applies to one request: its own buckets, named by `id`. */
export interface RateLimit {
  /** Names the limit's buckets; the same for every request counted together. */
  id: string;
  scope: RateLimitScope;
  /** The key id, workspace, user or model the limit counts. */
  subject: string;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  tokenKind: TokenKind;
}

/**
 * Decides which limits apply to a request. Built from config today; the
 * admin API can store per-key limits and answer them through the same
 * interface (e.g. a policy reading the principal's key record, chained
 * with the config's).
 */
export interface RateLimitPolicy {
  limitsFor(principal: Principal, subject: RateLimitSubject): readonly RateLimit[];
}

/** Matches a name against a rule's `match`: exact, or a prefix before a trailing `*`. */
export type NameMatcher = (name: string) => boolean;

export function nameMatcher(match: string | undefined): NameMatcher {
  if (match === undefined || match === '*') return () => true;
  if (match.endsWith('*')) {
    const prefix = match.slice(0, -1);
    return (name) => name.startsWith(prefix);
  }
  return (name) => name === match;
}

/** The rules of `governance.rateLimits`, in order. */
export class ConfigRateLimitPolicy implements RateLimitPolicy {
  private readonly rules: ReadonlyArray<{ rule: RateLimitRule; id: string; matches: NameMatcher }>;

  constructor(rules: readonly RateLimitRule[]) {
    // The index names the rule's buckets: rules with the same scope never share one.
    this.rules = rules.map((rule, index) => ({ rule, id: `rule${index}`, matches: nameMatcher(rule.match) }));
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  limitsFor(principal: Principal, subject: RateLimitSubject): RateLimit[] {
    const limits: RateLimit[] = [];
    for (const { rule, id, matches } of this.rules) {
      const name = subjectOf(rule.scope, principal, subject);
      // No key (anonymous), no user: nothing for such a rule to count.
      if (name === '' || !matches(name)) continue;
      limits.push({
        id: `${id}:${rule.scope}:${name}`,
        scope: rule.scope,
        subject: name,
        requestsPerMinute: rule.requestsPerMinute,
        tokensPerMinute: rule.tokensPerMinute,
        tokenKind: rule.tokenKind,
      });
    }
    return limits;
  }
}

function subjectOf(scope: RateLimitScope, principal: Principal, subject: RateLimitSubject): string {
  switch (scope) {
    case 'key':
      return principal.keyId;
    case 'workspace':
      return subject.workspace;
    case 'user':
      return subject.user;
    case 'model':
      return subject.model;
  }
}
