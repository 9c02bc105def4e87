import type { PiiFinding } from '@switchyard/shared';

/** `[EMAIL_1]`: what the model sees in place of a value, and what the answer is searched for. */
const PLACEHOLDER = /\[([A-Z][A-Z_]*_\d+)\]/g;
/** A tail of streamed text that may be the start of a placeholder the next part completes. */
const PLACEHOLDER_PREFIX = /\[[A-Z_]*\d*$/;
const MAX_PLACEHOLDER_LENGTH = 40;

/**
 * The values one request's redaction replaced, by placeholder: the same value
 * always gets the same placeholder (the model can still tell two people's
 * emails apart), and the answer's placeholders are turned back into values.
 * Lives for one request only, so no value outlasts it.
 */
export class PiiVault {
  private readonly valueByPlaceholder = new Map<string, string>();
  private readonly placeholderByValue = new Map<string, string>();
  private readonly countByType = new Map<string, number>();

  get size(): number {
    return this.valueByPlaceholder.size;
  }

  /** Whether `value` is one this vault replaced. */
  holds(value: string): boolean {
    return this.placeholderByValue.has(value);
  }

  /** `text` with each finding replaced by its placeholder. */
  redact(text: string, findings: readonly PiiFinding[]): string {
    let redacted = '';
    let cursor = 0;
    for (const finding of [...findings].sort((a, b) => a.start - b.start)) {
      if (finding.start < cursor) continue;
      redacted += text.slice(cursor, finding.start) + this.placeholderFor(finding.type, text.slice(finding.start, finding.end));
      cursor = finding.end;
    }
    return redacted + text.slice(cursor);
  }

  /** `text` with this vault's placeholders turned back into their values; others stay as they are. */
  restore(text: string): string {
    if (this.valueByPlaceholder.size === 0) return text;
    return text.replace(PLACEHOLDER, (whole, name: string) => this.valueByPlaceholder.get(name) ?? whole);
  }

  /** Restores a stream's text delta by delta (one restorer per choice). */
  streamRestorer(): StreamRestorer {
    return new StreamRestorer(this);
  }

  private placeholderFor(type: string, value: string): string {
    const known = this.placeholderByValue.get(value);
    if (known) return `[${known}]`;
    const count = (this.countByType.get(type) ?? 0) + 1;
    this.countByType.set(type, count);
    const name = `${type.toUpperCase()}_${count}`;
    this.placeholderByValue.set(value, name);
    this.valueByPlaceholder.set(name, value);
    return `[${name}]`;
  }
}

/**
 * A placeholder may arrive split across deltas (`[EMA` then `IL_1]`): text
 * that could be the start of one is held back until the next delta settles it.
 */
export class StreamRestorer {
  private held = '';

  constructor(private readonly vault: PiiVault) {}

  /** The text that can be sent now, restored. */
  push(delta: string): string {
    const text = this.held + delta;
    const open = text.lastIndexOf('[');
    const tail = open >= 0 ? text.slice(open) : '';
    if (tail && tail.length < MAX_PLACEHOLDER_LENGTH && PLACEHOLDER_PREFIX.test(tail)) {
      this.held = tail;
      return this.vault.restore(text.slice(0, open));
    }
    this.held = '';
    return this.vault.restore(text);
  }

  /** What is still held back, at the end of the stream. */
  flush(): string {
    const text = this.held;
    this.held = '';
    return this.vault.restore(text);
  }
}
