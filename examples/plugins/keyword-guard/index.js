// @ts-check
'use strict';

/**
 * keyword-guard: an example gateway plugin (see the README's "Write a plugin").
 *
 * It refuses a chat request whose user messages contain a configured
 * keyword, with a 400 `content_blocked` in the client's own error format
 * (OpenAI's or Anthropic's); lets every other request through, stamping a
 * response header and a fact on the request record; and, when asked for a
 * fixed answer, answers in a provider's place (served_by: keyword-guard).
 *
 * Config (the plugin is off without `keywords`):
 *
 *   plugins:
 *     modules: [./examples/plugins/keyword-guard]
 *     settings:
 *       keyword-guard:
 *         keywords: [password dump, rm -rf]
 *         cannedAnswers: { ping: pong }   # a user message exactly `ping` is answered `pong`, no provider called
 */

const { ConfigError, GatewayError } = require('@switchyard/shared');

const NAME = 'keyword-guard';

/**
 * The text of the request's user messages, lower-cased.
 * @param {import('@switchyard/shared').ChatRequest} request
 */
function userText(request) {
  const texts = [];
  for (const message of request.messages) {
    if (message.role !== 'user') continue;
    if (typeof message.content === 'string') texts.push(message.content);
    else for (const part of message.content) if (part.type === 'text') texts.push(part.text);
  }
  return texts.join('\n').toLowerCase();
}

/**
 * Settings as config gives them, checked: a mistake stops the start, naming its path.
 * @param {unknown} raw
 * @returns {{ keywords: string[]; cannedAnswers: Record<string, string> } | undefined}
 */
function readSettings(raw) {
  if (raw === undefined) return undefined;
  const path = `plugins.settings.${NAME}`;
  const settings = /** @type {{ keywords?: unknown; cannedAnswers?: unknown }} */ (raw);
  if (!Array.isArray(settings.keywords) || settings.keywords.some((keyword) => typeof keyword !== 'string' || keyword.trim() === '')) {
    throw new ConfigError(`invalid config: ${path}.keywords: must be a list of non-empty strings`);
  }
  const cannedAnswers = settings.cannedAnswers ?? {};
  if (typeof cannedAnswers !== 'object' || cannedAnswers === null || Object.values(cannedAnswers).some((answer) => typeof answer !== 'string')) {
    throw new ConfigError(`invalid config: ${path}.cannedAnswers: must map prompts to answers (strings)`);
  }
  return {
    keywords: settings.keywords.map((keyword) => keyword.toLowerCase()),
    cannedAnswers: /** @type {Record<string, string>} */ (cannedAnswers),
  };
}

/** @type {import('@switchyard/shared').PluginFactory} */
const pluginFactory = {
  name: NAME,
  create(services) {
    const settings = readSettings(services.config.plugins.settings[NAME]);
    if (!settings) return undefined;
    const { keywords, cannedAnswers } = settings;
    let blocked = 0;
    /** @type {import('@switchyard/shared').GatewayPlugin} */
    const plugin = {
      name: NAME,
      beforeRequest(context) {
        const text = userText(context.request);
        const keyword = keywords.find((each) => text.includes(each));
        if (keyword !== undefined) {
          blocked += 1;
          // The record says why; the client learns which guard refused, not the keyword list.
          context.annotate(NAME, 'blocked');
          return {
            kind: 'reject',
            error: new GatewayError(`The request was blocked by the ${NAME} plugin.`, {
              status: 400,
              errorClass: 'invalid_request',
              code: 'content_blocked',
            }),
          };
        }
        context.annotate(NAME, 'passed');
        context.setHeader('x-switchyard-keyword-guard', 'passed');
        const canned = cannedAnswers[text.trim()];
        if (canned === undefined) return undefined;
        return {
          kind: 'answer',
          answer: {
            servedBy: { plugin: NAME, detail: 'canned' },
            response: {
              id: `chatcmpl-${context.requestId}`,
              model: context.request.model,
              created: Math.floor(Date.now() / 1000),
              choices: [{ index: 0, message: { content: canned }, finishReason: 'stop' }],
              usage: { inputTokens: 0, outputTokens: 0 },
            },
          },
        };
      },
      endpoints: [
        {
          method: 'GET',
          path: '/v1/keyword-guard/stats',
          endpoint: 'keyword_guard.stats',
          roles: ['owner', 'admin', 'developer', 'viewer'],
          async handle(call) {
            return { status: 200, body: { object: 'keyword_guard.stats', workspace: call.workspace, keywords: keywords.length, blocked } };
          },
        },
      ],
    };
    return plugin;
  },
};

module.exports = { pluginFactory };
