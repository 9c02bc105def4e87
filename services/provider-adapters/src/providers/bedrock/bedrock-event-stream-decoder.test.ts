import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { EventStreamDecoder, type DecodedEventMessage } from './bedrock-event-stream-decoder';

const RECORDINGS = path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses/bedrock-eventstream');
const binaries = readdirSync(RECORDINGS)
  .filter((name) => name.endsWith('.eventstream.bin'))
  .sort();

/** What the recording's own decoded twin (`*.decoded.jsonl`) says each frame holds. */
function decodedTwin(binary: string): DecodedEventMessage[] {
  return readFileSync(path.join(RECORDINGS, binary.replace(/\.bin$/, '.decoded.jsonl')), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const { headers, payload } = JSON.parse(line);
      return { messageType: headers[':message-type'], name: headers[':event-type'], payload };
    });
}

function decodeInChunks(bytes: Buffer, chunkSize: number): DecodedEventMessage[] {
  const decoder = new EventStreamDecoder();
  const messages: DecodedEventMessage[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkSize) messages.push(...decoder.push(bytes.subarray(offset, offset + chunkSize)));
  decoder.end();
  return messages;
}

describe('EventStreamDecoder', () => {
  it('finds the four recorded ConverseStream binaries', () => {
    expect(binaries).toHaveLength(4);
  });

  it.each(binaries)('decodes %s into exactly the frames its decoded twin lists, however the bytes are chunked', (binary) => {
    const bytes = readFileSync(path.join(RECORDINGS, binary));
    const expected = decodedTwin(binary);
    for (const chunkSize of [bytes.length, 4096, 7, 1]) {
      const decoded = decodeInChunks(bytes, chunkSize).map((message) => ({ ...message, payload: JSON.parse(message.payload) }));
      expect(decoded).toEqual(expected);
    }
  });

  it('rejects a frame whose checksum does not match', () => {
    const bytes = Buffer.from(readFileSync(path.join(RECORDINGS, binaries[0])));
    bytes[40] ^= 0xff;
    expect(() => new EventStreamDecoder().push(bytes)).toThrow(/checksum/i);
  });

  it('rejects a stream cut inside a frame, and a declared length no frame can have', () => {
    const bytes = readFileSync(path.join(RECORDINGS, binaries[0]));
    const cut = new EventStreamDecoder();
    cut.push(bytes.subarray(0, 30));
    expect(() => cut.end()).toThrow(/ended inside a frame/);
    expect(() => new EventStreamDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(/declares 4294967295 bytes/);
  });

  it('reads exception frames by their :exception-type', () => {
    const codec = new EventStreamCodec(toUtf8, fromUtf8);
    const frame = codec.encode({
      headers: {
        ':message-type': { type: 'string', value: 'exception' },
        ':exception-type': { type: 'string', value: 'throttlingException' },
        ':content-type': { type: 'string', value: 'application/json' },
      },
      body: fromUtf8(JSON.stringify({ message: 'Too many requests, please wait before trying again.' })),
    });
    expect(new EventStreamDecoder().push(frame)).toEqual([
      { messageType: 'exception', name: 'throttlingException', payload: '{"message":"Too many requests, please wait before trying again."}' },
    ]);
  });
});
