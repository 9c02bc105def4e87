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

export async function* parseServerSentEvents(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event: string | undefined;
  let id: string | undefined;
  let data: string[] = [];

  const takeLine = (line: string): ServerSentEvent | undefined => {
    if (line === '') {
      if (data.length === 0) {
        event = undefined;
        return undefined;
      }
      const complete: ServerSentEvent = { data: data.join('\n') };
      if (event !== undefined) complete.event = event;
      if (id !== undefined) complete.id = id;
      event = undefined;
      data = [];
      return complete;
    }
    if (line.charCodeAt(0) === 58 /* : */) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
    return undefined;
  };

  for await (const chunk of body) {
    // What is left of the buffer holds no line end but perhaps a final CR: scan on from there.
    let index = buffer.length > 0 && buffer.charCodeAt(buffer.length - 1) === CR ? buffer.length - 1 : buffer.length;
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    for (; index < buffer.length; index++) {
      const char = buffer.charCodeAt(index);
      if (char !== LF && char !== CR) continue;
      // A CR at the very end may be the first half of CRLF: wait for more.
      if (char === CR && index === buffer.length - 1) break;
      const line = buffer.slice(start, index);
      if (char === CR && buffer.charCodeAt(index + 1) === LF) index++;
      start = index + 1;
      const complete = takeLine(line);
      if (complete) yield complete;
    }
    if (start > 0) buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  // The body may end inside a line, or on the CR held back above.
  if (buffer.charCodeAt(buffer.length - 1) === CR) buffer = buffer.slice(0, -1);
  if (buffer !== '') {
    const complete = takeLine(buffer);
    if (complete) yield complete;
  }
  const last = takeLine('');
  if (last) yield last;
}
