import { invalidRequest } from '@switchyard/shared';
import { allowOnly, requiredString, type EvaluatorKind } from '../evaluator';
import { assertPublicDestination, isPrivateAddress } from './webhook-address';

const MAXIMUM_ANSWER_BYTES = 64 * 1024;

/**
 * `webhook`: POSTs `{"run_id", "item": {"id", "input", "expected_output",
 * "metadata"}, "output"}` as JSON to `url`, which answers 200 with
 * `{"score": <number>, "reason"?}`. Bounded by the configured timeout and
 * answer size; private and loopback destinations are refused unless
 * `evaluations.webhooks.allowPrivateAddresses`. The URL may hold a secret:
 * it never appears in errors.
 */
export const webhookEvaluator: EvaluatorKind = {
  kind: 'webhook',
  parse(spec, field, { allowPrivateWebhooks }) {
    allowOnly(spec, field, ['url']);
    const text = requiredString(spec, field, 'url', 2_000);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw invalidRequest('`url` must be an absolute http(s) URL.', `${field}.url`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidRequest('`url` must be an absolute http(s) URL.', `${field}.url`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!allowPrivateWebhooks && (host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host)))
      throw invalidRequest('`url` points to a private or loopback address, which webhooks may not reach.', `${field}.url`);
    return spec as ReturnType<EvaluatorKind['parse']>;
  },
  create(spec) {
    const url = new URL(spec.url as string);
    return {
      spec,
      async evaluate(testCase, { allowPrivateWebhooks, webhookTimeoutMs, signal }) {
        if (!allowPrivateWebhooks) await assertPublicDestination(url);
        let response: Response;
        try {
          response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              run_id: testCase.runId,
              item: { id: testCase.itemId, input: testCase.input, expected_output: testCase.expectedOutput ?? null, metadata: testCase.metadata },
              output: testCase.output,
            }),
            redirect: 'error',
            signal: AbortSignal.any([signal, AbortSignal.timeout(webhookTimeoutMs)]),
          });
        } catch (error) {
          if (signal.aborted) throw error;
          throw new Error(`The webhook could not be reached (${(error as Error).name === 'TimeoutError' ? 'timed out' : 'connection failed'}).`, {
            cause: error,
          });
        }
        const text = await response.text();
        if (!response.ok) throw new Error(`The webhook answered ${response.status}.`);
        if (text.length > MAXIMUM_ANSWER_BYTES) throw new Error('The webhook answer is too large.');
        let answer: { score?: unknown; reason?: unknown };
        try {
          answer = JSON.parse(text) as typeof answer;
        } catch {
          throw new Error('The webhook did not answer with JSON.');
        }
        if (typeof answer?.score !== 'number' || !Number.isFinite(answer.score)) throw new Error('The webhook answer holds no numeric `score`.');
        return typeof answer.reason === 'string' ? { score: answer.score, reason: answer.reason.slice(0, 1_000) } : { score: answer.score };
      },
    };
  },
};
