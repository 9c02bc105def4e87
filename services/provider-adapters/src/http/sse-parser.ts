/**
 * A Server-Sent Events parser over a byte stream, per the WHATWG spec:
 * lines end in LF, CR or CRLF; a blank line ends an event; `data` lines are
 * joined with LF; comments (lines starting with `:`) are ignored.
 */
export interface ServerSentEvent {
  event?: string;
  data: string;
  id?: string;
}

export async function* parseServerSentEvents(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event: string | undefined;
  let id: string | undefined;
  let data: string[] = [];
  let sawField = false;

  const takeLine = (line: string): ServerSentEvent | undefined => {
    if (line === '') {
      if (!sawField) return undefined;
      const complete: ServerSentEvent = { data: data.join('\n') };
      if (event !== undefined) complete.event = event;
      if (id !== undefined) complete.id = id;
      event = undefined;
      data = [];
      sawField = false;
      return complete;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      data.push(value);
      sawField = true;
    } else if (field === 'event') {
      event = value;
      sawField = true;
    } else if (field === 'id') {
      id = value;
      sawField = true;
    }
    return undefined;
  };

  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let index = 0; index < buffer.length; index++) {
      const char = buffer.charCodeAt(index);
      if (char !== 10 && char !== 13) continue;
      // A CR at the very end may be the first half of CRLF: wait for more.
      if (char === 13 && index === buffer.length - 1) break;
      const line = buffer.slice(start, index);
      if (char === 13 && buffer.charCodeAt(index + 1) === 10) index++;
      start = index + 1;
      const complete = takeLine(line);
      if (complete) yield complete;
    }
    buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  if (buffer !== '') {
    const complete = takeLine(buffer);
    if (complete) yield complete;
  }
  const last = takeLine('');
  if (last) yield last;
}
