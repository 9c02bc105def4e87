import type { Embedder, GuardrailCheckRequest, GuardrailChecker, GuardrailReport, SwitchyardConfig } from '@switchyard/shared';
import { guardrailSettingsFor, type GuardrailsConfig } from './guardrail-settings';
import { InjectionDetector } from './injection/injection-detector';
import { loadInjectionCorpus, type InjectionExample } from './injection/injection-corpus';
import { detectPii } from './pii/detect-pii';
import { TopicMatcher } from './topics/topic-matcher';

export interface LocalGuardrailCheckerOptions {
  config: GuardrailsConfig;
  /** The embedder for injection kNN and topics, created on first use; without it injection runs on heuristics alone and topics are never flagged. */
  embedder?: () => Embedder;
  /** The known attacks (the shipped corpus without it). */
  injectionExamples?: readonly InjectionExample[];
}

/**
 * Guardrail checks in this process: what the plugin calls in one process
 * and what the semantic service serves over gRPC. Each workspace's settings
 * (PII categories, thresholds, topic lists) apply to its texts.
 */
export class LocalGuardrailChecker implements GuardrailChecker {
  private injectionDetector?: InjectionDetector;
  private readonly topicMatchers = new Map<string, TopicMatcher>();

  constructor(private readonly options: LocalGuardrailCheckerOptions) {}

  /** The corpus is read on the first injection check, not at start. */
  private get injection(): InjectionDetector {
    this.injectionDetector ??= new InjectionDetector(this.options.injectionExamples ?? loadInjectionCorpus(), this.options.embedder);
    return this.injectionDetector;
  }

  async check(request: GuardrailCheckRequest, signal?: AbortSignal): Promise<GuardrailReport> {
    const settings = guardrailSettingsFor(this.options.config, request.workspace);
    const report: GuardrailReport = {};
    const work: Array<Promise<void>> = [];
    if (request.checks.includes('pii')) {
      report.pii = detectPii(request.text, { types: settings.pii.categories, minScore: settings.pii.minScore });
    }
    if (request.checks.includes('injection')) {
      work.push(
        this.injection.score(request.text, signal).then(({ score }) => {
          const rounded = Math.round(score * 1000) / 1000;
          report.injection = { score: rounded, flagged: rounded >= settings.injection.threshold };
        }),
      );
    }
    if (request.checks.includes('topics')) {
      const matcher = this.topicMatcherFor(request.workspace);
      work.push(
        (matcher ? matcher.check(request.text, signal) : Promise.resolve({ flagged: false, score: 0 })).then((verdict) => {
          report.topics = verdict;
        }),
      );
    }
    await Promise.all(work);
    return report;
  }

  /** Starts building what the checks embed (the known-attacks index) without waiting for it; resolves once built. */
  warm(): Promise<void> {
    return this.injection.ready();
  }

  /** Stops background work, so the embedder can be closed after. */
  async close(): Promise<void> {
    await this.injectionDetector?.close();
  }

  /** One matcher per workspace (its topic examples embedded once); none when no embedder or no lists. */
  private topicMatcherFor(workspace: string): TopicMatcher | undefined {
    const { embedder, config } = this.options;
    if (!embedder) return undefined;
    const key = Object.hasOwn(config.workspaces, workspace) && config.workspaces[workspace].topics ? `workspace:${workspace}` : 'default';
    let matcher = this.topicMatchers.get(key);
    if (!matcher) {
      const { topics } = guardrailSettingsFor(config, workspace);
      matcher = new TopicMatcher(embedder, topics.deny, topics.allow, topics.threshold);
      this.topicMatchers.set(key, matcher);
    }
    return matcher.empty ? undefined : matcher;
  }
}

/** The in-process checker of a config (`guardrails` section), embedding with `embedder` when a check needs it. */
export function localGuardrailChecker(config: SwitchyardConfig, embedder: () => Embedder): LocalGuardrailChecker {
  return new LocalGuardrailChecker({ config: config.guardrails, embedder });
}
