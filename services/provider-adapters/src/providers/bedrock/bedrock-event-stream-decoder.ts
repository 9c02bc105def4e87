import type { EventStreamCodec } from '@smithy/core/event-streams';

/** One decoded `application/vnd.amazon.eventstream` message, as the stream transformer needs it. */
export interface DecodedEventMessage {
  /** `:message-type`: `event`, `exception` or `error`. */
  messageType: string;
  /** `:event-type` of an event, `:exception-type` of an exception, `:error-code` of an error. */
  name: string;
  /** The payload as text (JSON for Converse). */
  payload: string;
}

/** A frame's 4-byte total length, then the 12-byte prelude and trailing CRC at the least. */
const MINIMUM_FRAME_BYTES = 16;
/** The event stream format caps a message at 16 MiB of payload; anything longer is not a frame. */
const MAXIMUM_FRAME_BYTES = 16 * 1024 * 1024 + 128 * 1024;

/**
 * Splits the bytes of an event stream into whole frames and decodes each
 * with the maintained codec, which checks both CRC32 checksums and parses the
 * headers. Only the split by the length prefix happens here: it is
 * synchronous (bytes in, messages out, like the SSE decoder), bounds the
 * frame size before allocating, and tells a stream cut inside a frame from
 * one that ended cleanly.
 */
/**
 * The AWS SDK's codec, loaded with the first Bedrock stream rather than at
 * start (most configs have no Bedrock provider). `require`, not `import()`:
 * decoding is synchronous.
 */
function createCodec(): EventStreamCodec {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { EventStreamCodec: Codec } = require('@smithy/core/event-streams') as typeof import('@smithy/core/event-streams');
  const { fromUtf8, toUtf8 } = require('@smithy/core/serde') as typeof import('@smithy/core/serde');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return new Codec(toUtf8, fromUtf8);
}

export class EventStreamDecoder {
  private readonly codec = createCodec();
  private readonly decoder = new TextDecoder();
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** The messages completed by these bytes; throws on a frame that is not well-formed. */
  push(bytes: Uint8Array): DecodedEventMessage[] {
    if (bytes.byteLength > 0) {
      this.pending.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      this.pendingBytes += bytes.byteLength;
    }
    const messages: DecodedEventMessage[] = [];
    while (this.pendingBytes >= 4) {
      if (this.pending[0].length < 4) this.pending = [Buffer.concat(this.pending, this.pendingBytes)];
      const frameLength = this.pending[0].readUInt32BE(0);
      if (frameLength < MINIMUM_FRAME_BYTES || frameLength > MAXIMUM_FRAME_BYTES) {
        throw new Error(`an event stream frame declares ${frameLength} bytes`);
      }
      // The chunks of a frame are joined once, when it is complete.
      if (this.pendingBytes < frameLength) break;
      const buffer = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
      messages.push(this.decode(buffer.subarray(0, frameLength)));
      const rest = buffer.subarray(frameLength);
      this.pending = rest.length === 0 ? [] : [rest];
      this.pendingBytes = rest.length;
    }
    return messages;
  }

  /** Throws when the stream ended inside a frame. */
  end(): void {
    if (this.pendingBytes > 0) throw new Error(`the event stream ended inside a frame (${this.pendingBytes} bytes left over)`);
  }

  private decode(frame: Uint8Array): DecodedEventMessage {
    const message = this.codec.decode(frame);
    const header = (name: string): string | undefined => {
      const value = message.headers[name];
      return value?.type === 'string' ? value.value : undefined;
    };
    const messageType = header(':message-type') ?? 'event';
    const name =
      (messageType === 'exception' ? header(':exception-type') : messageType === 'error' ? header(':error-code') : header(':event-type')) ?? '';
    const payload = messageType === 'error' ? (header(':error-message') ?? '') : this.decoder.decode(message.body);
    return { messageType, name, payload };
  }
}
