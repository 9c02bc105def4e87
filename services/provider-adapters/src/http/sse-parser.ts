/**
 * A Server-Sent Events parser over a byte stream, per the WHATWG spec:
 * lines end in LF, CR or CRLF; a blank line ends an event; `data` lines are
 * joined with LF; an event without `data` lines is not dispatched; comments
 * (lines starting with `:`) are ignored. One leniency: an event that the body
 * ends without a blank line after is still dispatched, as some servers end
 * their last event that way.
 */
export interface ServerSentEvent {
  event?: string;
  data: string;
  id?: string;
}

const LF = 10;
const CR = 13;
const NO_EVENTS: readonly ServerSentEvent[] = [];

/**
 * The parser as a synchronous decoder: `push` each chunk as it arrives and
 * take the events it completes; `end` when the body ends. Synchronous, so a
 * stream adapter needs no async layer per event.
 */
export class ServerSentEventDecoder {
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private event: string | undefined;
  private id: string | undefined;
  private data: string[] = [];

  push(chunk: Uint8Array | string): readonly ServerSentEvent[] {
    // What is left of the buffer holds no line end but perhaps a final CR: scan on from there.
    let buffer = this.buffer;
    let index = buffer.length > 0 && buffer.charCodeAt(buffer.length - 1) === CR ? buffer.length - 1 : buffer.length;
    buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    let start = 0;
    let events: ServerSentEvent[] | undefined;
    for (; index < buffer.length; index++) {
      const char = buffer.charCodeAt(index);
      if (char !== LF && char !== CR) continue;
      // A CR at the very end may be the first half of CRLF: wait for more.
      if (char === CR && index === buffer.length - 1) break;
      const line = buffer.slice(start, index);
      if (char === CR && buffer.charCodeAt(index + 1) === LF) index++;
      start = index + 1;
      const complete = this.takeLine(line);
      if (complete) (events ??= []).push(complete);
    }
    this.buffer = start > 0 ? buffer.slice(start) : buffer;
    return events ?? NO_EVENTS;
  }

  /** The events still held when the body ends. */
  end(): readonly ServerSentEvent[] {
    let buffer = this.buffer + this.decoder.decode();
    this.buffer = '';
    // The body may end inside a line, or on the CR held back above.
    if (buffer.charCodeAt(buffer.length - 1) === CR) buffer = buffer.slice(0, -1);
    const events: ServerSentEvent[] = [];
    if (buffer !== '') {
      const complete = this.takeLine(buffer);
      if (complete) events.push(complete);
    }
    const last = this.takeLine('');
    if (last) events.push(last);
    return events;
  }

  private takeLine(line: string): ServerSentEvent | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = undefined;
        return undefined;
      }
      const complete: ServerSentEvent = { data: this.data.join('\n') };
      if (this.event !== undefined) complete.event = this.event;
      if (this.id !== undefined) complete.id = this.id;
      this.event = undefined;
      this.data = [];
      return complete;
    }
    if (line.charCodeAt(0) === 58 /* : */) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
    return undefined;
  }
}

/** The events of a whole body, as they complete. */
export async function* parseServerSentEvents(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<ServerSentEvent> {
  const decoder = new ServerSentEventDecoder();
  for await (const chunk of body) yield* decoder.push(chunk);
  yield* decoder.end();
}
