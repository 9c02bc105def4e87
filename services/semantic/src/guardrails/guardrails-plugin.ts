import {
  contentBlocked,
  type BeforeOutcome,
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  type GatewayPlugin,
  type GuardrailChecker,
  type PiiFinding,
  type PluginContext,
  type PluginFactory,
  type StreamPart,
} from '@switchyard/shared';
import { guardrailCheckEndpoint } from './check-endpoint';
import { guardrailSettingsFor, type EffectiveGuardrailSettings, type GuardrailsConfig } from './guardrail-settings';
import { detectPii } from './pii/detect-pii';
import { PiiVault, type StreamRestorer } from './pii/pii-vault';

export const GUARDRAILS_PLUGIN = 'guardrails';

/** What `beforeRequest` leaves for the answer: the request's placeholders, and one restorer per stream channel. */
interface GuardrailState {
  vault: PiiVault;
  settings: EffectiveGuardrailSettings;
  /** Keyed `text:<choice>` or `tool:<choice>:<index>`. */
  restorers: Map<string, StreamRestorer>;
}

/**
 * The guardrails plugin: before routing, prompt-injection and topic checks
 * (block → 400 `content_blocked`, flag → recorded) and PII (redacted into
 * placeholders the provider sees, or blocked); after, the placeholders
 * turned back into the values in the answer (streamed too) and, when asked,
 * personal data the model wrote redacted. Decisions are annotated on the
 * request's record (types and scores, never the values).
 */
export function createGuardrailsPlugin(config: GuardrailsConfig, checker: () => GuardrailChecker): GatewayPlugin {
  return {
    name: GUARDRAILS_PLUGIN,
    endpoints: [guardrailCheckEndpoint(checker)],

    async beforeRequest(context: PluginContext): Promise<BeforeOutcome | void> {
      const settings = guardrailSettingsFor(config, context.workspace);
      const request = context.request;
      const incoming = incomingText(request);
      const checks = [
        ...(settings.injection.action !== 'off' ? (['injection'] as const) : []),
        ...(settings.topics.action !== 'off' && lastUserText(request) ? (['topics'] as const) : []),
      ];
      const [screening, topicReport, piiReports] = await Promise.all([
        checks.includes('injection') && incoming
          ? checker().check({ text: incoming, checks: ['injection'], workspace: context.workspace }, context.signal)
          : undefined,
        checks.includes('topics')
          ? checker().check({ text: lastUserText(request), checks: ['topics'], workspace: context.workspace }, context.signal)
          : undefined,
        settings.pii.action !== 'off' ? piiFindingsOf(request, context, checker()) : undefined,
      ]);

      const injection = screening?.injection;
      if (injection) {
        const decision = injection.flagged ? (settings.injection.action === 'block' ? 'blocked' : 'flagged') : 'passed';
        context.annotate('guardrails.injection', `${decision} score=${injection.score}`);
        if (decision === 'blocked') return reject('injection', `the text reads as a prompt injection (score ${injection.score})`);
      }
      const topics = topicReport?.topics;
      if (topics && (topics.flagged || topics.topic)) {
        const decision = topics.flagged ? (settings.topics.action === 'block' ? 'blocked' : 'flagged') : 'passed';
        context.annotate('guardrails.topics', `${decision} topic=${topics.topic ?? '-'} score=${topics.score}`);
        if (decision === 'blocked') {
          const denied = settings.topics.deny.some((topic) => topic.name === topics.topic) && topics.score >= settings.topics.threshold;
          return reject('topics', denied ? `the request is on the denied topic "${topics.topic}"` : 'the request is on none of the allowed topics');
        }
      }

      if (!piiReports) return;
      const types = countTypes(piiReports.flatMap((report) => report.findings));
      if (types.size === 0) return;
      const summary = [...types].map(([type, count]) => `${type}×${count}`).join(',');
      if (settings.pii.action === 'block') {
        context.annotate('guardrails.pii', `blocked ${summary}`);
        return reject('pii', `it holds personal data (${[...types.keys()].join(', ')})`);
      }
      const vault = new PiiVault();
      const rewritten = redactRequest(request, piiReports, vault);
      context.state.set(GUARDRAILS_PLUGIN, { vault, settings, restorers: new Map() } satisfies GuardrailState);
      context.annotate('guardrails.pii', `redacted ${summary}`);
      context.setHeader('x-switchyard-guardrails', 'pii-redacted');
      return { kind: 'rewrite', request: rewritten };
    },

    onStreamPart(context: PluginContext, part: StreamPart): StreamPart | readonly StreamPart[] | undefined {
      const state = context.state.get(GUARDRAILS_PLUGIN) as GuardrailState | undefined;
      if (!state) return undefined;
      const restorer = (key: string) => {
        let found = state.restorers.get(key);
        if (!found) state.restorers.set(key, (found = state.vault.streamRestorer()));
        return found;
      };
      switch (part.type) {
        case 'text-delta': {
          const text = restorer(`text:${part.choice}`).push(part.text);
          return text ? { ...part, text } : [];
        }
        case 'tool-call-delta': {
          const argumentsDelta = restorer(`tool:${part.choice}:${part.index}`).push(part.argumentsDelta);
          return argumentsDelta ? { ...part, argumentsDelta } : [];
        }
        case 'finish': {
          // Whatever was held back for a placeholder that never completed goes out before the choice ends.
          const held: StreamPart[] = [];
          for (const [key, each] of state.restorers) {
            const [kind, choice, index] = key.split(':');
            if (Number(choice) !== part.choice) continue;
            const rest = each.flush();
            if (!rest) continue;
            held.push(
              kind === 'text'
                ? { type: 'text-delta', choice: part.choice, text: rest }
                : { type: 'tool-call-delta', choice: part.choice, index: Number(index), argumentsDelta: rest },
            );
          }
          return held.length ? [...held, part] : undefined;
        }
        default:
          return undefined;
      }
    },

    afterResponse(context: PluginContext, response: ChatResponse): ChatResponse {
      const state = context.state.get(GUARDRAILS_PLUGIN) as GuardrailState | undefined;
      const settings = state?.settings ?? guardrailSettingsFor(config, context.workspace);
      let restored = state ? restoreResponse(response, state.vault) : response;
      if (settings.pii.action !== 'off' && settings.pii.scanOutput) restored = scanOutput(context, restored, settings, state?.vault);
      return restored;
    },
  };
}

export const guardrailsPluginFactory: PluginFactory = {
  name: GUARDRAILS_PLUGIN,
  create(services) {
    if (!services.config.guardrails.enabled) return undefined;
    return createGuardrailsPlugin(services.config.guardrails, () => services.guardrails());
  },
};

function reject(guardrail: string, reason: string): BeforeOutcome {
  return { kind: 'reject', error: contentBlocked(guardrail, reason) };
}

/** What the client wrote for this turn (the last user message and the tool results after it): where an injection comes in. */
function incomingText(request: ChatRequest): string {
  const parts: string[] = [];
  for (let index = request.messages.length - 1; index >= 0; index--) {
    const message = request.messages[index];
    if (message.role === 'tool') parts.unshift(message.content);
    else if (message.role === 'user') {
      parts.unshift(userText(message));
      break;
    } else break;
  }
  return parts.filter(Boolean).join('\n');
}

function lastUserText(request: ChatRequest): string {
  for (let index = request.messages.length - 1; index >= 0; index--) {
    const message = request.messages[index];
    if (message.role === 'user') return userText(message);
  }
  return '';
}

function userText(message: Extract<ChatMessage, { role: 'user' }>): string {
  return message.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
}

/** Where a text sits in the request: message `message`, and for user and assistant messages its text part `part`. */
interface TextSlot {
  message: number;
  part?: number;
  findings: PiiFinding[];
}

/** Every text the provider would see (assistant turns too: earlier answers hold restored values). */
async function piiFindingsOf(request: ChatRequest, context: PluginContext, checker: GuardrailChecker): Promise<TextSlot[]> {
  const slots: Array<{ message: number; part?: number; text: string }> = [];
  request.messages.forEach((message, index) => {
    if (message.role === 'system' || message.role === 'tool') slots.push({ message: index, text: message.content });
    else message.content.forEach((part, partIndex) => part.type === 'text' && slots.push({ message: index, part: partIndex, text: part.text }));
  });
  const reports = await Promise.all(
    slots.map(async (slot) =>
      slot.text ? ((await checker.check({ text: slot.text, checks: ['pii'], workspace: context.workspace }, context.signal)).pii ?? []) : [],
    ),
  );
  return slots
    .map((slot, index) => ({ message: slot.message, part: slot.part, findings: reports[index] }))
    .filter((slot) => slot.findings.length > 0);
}

function countTypes(findings: readonly PiiFinding[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const finding of findings) counts.set(finding.type, (counts.get(finding.type) ?? 0) + 1);
  return counts;
}

function redactRequest(request: ChatRequest, slots: readonly TextSlot[], vault: PiiVault): ChatRequest {
  const messages = [...request.messages];
  for (const slot of slots) {
    const message = messages[slot.message];
    if (message.role === 'system' || message.role === 'tool') {
      messages[slot.message] = { ...message, content: vault.redact(message.content, slot.findings) };
    } else {
      const content = [...message.content] as typeof message.content;
      const part = content[slot.part!];
      if (part.type === 'text') content[slot.part!] = { ...part, text: vault.redact(part.text, slot.findings) };
      messages[slot.message] = { ...message, content } as ChatMessage;
    }
  }
  return { ...request, messages };
}

function restoreResponse(response: ChatResponse, vault: PiiVault): ChatResponse {
  return {
    ...response,
    choices: response.choices.map((choice) => ({
      ...choice,
      message: {
        ...choice.message,
        content: choice.message.content === null ? null : vault.restore(choice.message.content),
        ...(choice.message.toolCalls
          ? { toolCalls: choice.message.toolCalls.map((call) => ({ ...call, arguments: vault.restore(call.arguments) })) }
          : {}),
      },
    })),
  };
}

/**
 * Personal data in the answer that the request did not hold (the user's
 * own values come back as they were). A stream has already reached the
 * client: it is recorded only.
 */
function scanOutput(context: PluginContext, response: ChatResponse, settings: EffectiveGuardrailSettings, vault?: PiiVault): ChatResponse {
  const found = new Map<string, number>();
  const choices = response.choices.map((choice) => {
    const content = choice.message.content;
    if (!content) return choice;
    const findings = detectPii(content, { types: settings.pii.categories, minScore: settings.pii.minScore }).filter(
      (finding) => !vault?.holds(content.slice(finding.start, finding.end)),
    );
    if (findings.length === 0) return choice;
    for (const [type, count] of countTypes(findings)) found.set(type, (found.get(type) ?? 0) + count);
    let redacted = '';
    let cursor = 0;
    for (const finding of findings) {
      redacted += content.slice(cursor, finding.start) + `[REDACTED_${finding.type.toUpperCase()}]`;
      cursor = finding.end;
    }
    return { ...choice, message: { ...choice.message, content: redacted + content.slice(cursor) } };
  });
  if (found.size === 0) return response;
  const summary = [...found].map(([type, count]) => `${type}×${count}`).join(',');
  context.annotate('guardrails.output_pii', `${context.streamed ? 'found' : 'redacted'} ${summary}`);
  return context.streamed ? response : { ...response, choices };
}
