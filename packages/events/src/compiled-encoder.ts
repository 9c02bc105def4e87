import { ScalarType, type DescField, type DescMessage, type MessageShape } from '@bufbuild/protobuf';

/**
 * Protobuf binary encoders made once per message type from its descriptor.
 *
 * `toBinary` of @bufbuild/protobuf walks the descriptor through a reflection
 * layer for every message it writes (about 23 µs for a RequestCompleted on
 * the benchmark machine). The events are written on every request, so the
 * walk is done once here instead, into one small writer function per field;
 * writing an event then costs a few µs. The bytes are the ones `toBinary`
 * writes (fields in declaration order, proto3 defaults left out), which the
 * tests check field by field and on generated events.
 *
 * Only what the event contracts use is supported: singular scalars, enums
 * and messages with implicit presence, `repeated string` and
 * `map<string, string>`. For a message type with anything else (`optional`,
 * `oneof`, other repeated fields, other maps, unknown fields kept on a
 * message) `compileEncoder` returns undefined and the caller uses `toBinary`.
 */
export type MessageEncoder<Desc extends DescMessage> = (message: MessageShape<Desc>) => Buffer;

type FieldWriter = (writer: Writer, value: unknown) => void;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;

export function compileEncoder<Desc extends DescMessage>(schema: Desc): MessageEncoder<Desc> | undefined {
  const writeMessage = compileMessage(schema);
  if (!writeMessage) return undefined;
  const writer = new Writer();
  return (message) => {
    if ((message as { $unknown?: unknown[] }).$unknown?.length) throw new Error('Messages with unknown fields are encoded with toBinary.');
    writer.reset();
    writeMessage(writer, message);
    return writer.finish();
  };
}

function compileMessage(schema: DescMessage): ((writer: Writer, message: object) => void) | undefined {
  if (schema.oneofs.length > 0) return undefined;
  const writers: Array<{ localName: string; write: FieldWriter }> = [];
  for (const field of schema.fields) {
    const write = compileField(field);
    if (!write) return undefined;
    writers.push({ localName: field.localName, write });
  }
  return (writer, message) => {
    const record = message as Record<string, unknown>;
    for (const { localName, write } of writers) write(writer, record[localName]);
  };
}

function compileField(field: DescField): FieldWriter | undefined {
  if (field.oneof !== undefined || field.presence !== expectedPresence(field)) return undefined;
  const number = field.number;
  switch (field.fieldKind) {
    case 'scalar':
      return compileScalar(number, field.scalar);
    case 'enum': {
      const tag = (number << 3) | WIRE_VARINT;
      return (writer, value) => {
        if (value === 0 || value === undefined) return;
        writer.varint(tag);
        writer.int32(value as number);
      };
    }
    case 'message': {
      const writeMessage = compileMessage(field.message);
      if (!writeMessage) return undefined;
      const tag = (number << 3) | WIRE_LENGTH_DELIMITED;
      return (writer, value) => {
        if (value === undefined) return;
        writer.varint(tag);
        const start = writer.beginLength();
        writeMessage(writer, value as object);
        writer.endLength(start);
      };
    }
    case 'list': {
      // Repeated strings are never packed: one tagged value per element, in order.
      if (field.listKind !== 'scalar' || field.scalar !== ScalarType.STRING) return undefined;
      const tag = (number << 3) | WIRE_LENGTH_DELIMITED;
      return (writer, value) => {
        if (value === undefined) return;
        for (const element of value as readonly string[]) {
          writer.varint(tag);
          writer.string(element);
        }
      };
    }
    case 'map': {
      if (field.mapKey !== ScalarType.STRING || field.mapKind !== 'scalar' || field.scalar !== ScalarType.STRING) return undefined;
      const tag = (number << 3) | WIRE_LENGTH_DELIMITED;
      const keyTag = (1 << 3) | WIRE_LENGTH_DELIMITED;
      const valueTag = (2 << 3) | WIRE_LENGTH_DELIMITED;
      return (writer, value) => {
        if (value === undefined) return;
        for (const key in value as Record<string, string>) {
          writer.varint(tag);
          const start = writer.beginLength();
          writer.varint(keyTag);
          writer.string(key);
          writer.varint(valueTag);
          writer.string((value as Record<string, string>)[key]);
          writer.endLength(start);
        }
      };
    }
    default:
      return undefined;
  }
}

/** Proto3 fields have implicit presence, except messages, which always have explicit presence. */
function expectedPresence(field: DescField): DescField['presence'] {
  // FeatureSet.FieldPresence: EXPLICIT = 1, IMPLICIT = 2.
  return field.fieldKind === 'message' ? 1 : 2;
}

function compileScalar(number: number, type: ScalarType): FieldWriter | undefined {
  switch (type) {
    case ScalarType.STRING: {
      const tag = (number << 3) | WIRE_LENGTH_DELIMITED;
      return (writer, value) => {
        if (value === '' || value === undefined) return;
        writer.varint(tag);
        writer.string(value as string);
      };
    }
    case ScalarType.UINT32: {
      const tag = (number << 3) | WIRE_VARINT;
      return (writer, value) => {
        if (value === 0 || value === undefined) return;
        writer.varint(tag);
        writer.varint((value as number) >>> 0);
      };
    }
    case ScalarType.INT32: {
      const tag = (number << 3) | WIRE_VARINT;
      return (writer, value) => {
        if (value === 0 || value === undefined) return;
        writer.varint(tag);
        writer.int32(value as number);
      };
    }
    case ScalarType.INT64: {
      const tag = (number << 3) | WIRE_VARINT;
      return (writer, value) => {
        if (value === undefined || value === 0 || value === 0n || value === '0') return;
        writer.varint(tag);
        writer.int64(BigInt(value as bigint | number | string));
      };
    }
    case ScalarType.DOUBLE: {
      const tag = (number << 3) | WIRE_FIXED64;
      return (writer, value) => {
        // -0 is written, as toBinary writes it: it is not the default bit for bit.
        if (value === undefined || (value === 0 && !Object.is(value, -0))) return;
        writer.varint(tag);
        writer.double(value as number);
      };
    }
    case ScalarType.BOOL: {
      const tag = (number << 3) | WIRE_VARINT;
      return (writer, value) => {
        if (value !== true) return;
        writer.varint(tag);
        writer.varint(1);
      };
    }
    default:
      return undefined;
  }
}

/** A growable byte buffer with the few primitives the encoders need. */
class Writer {
  private buffer = Buffer.allocUnsafe(4096);
  private position = 0;

  reset(): void {
    this.position = 0;
  }

  /** A copy of what was written, in a buffer of its own. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.position);
    this.buffer.copy(out, 0, 0, this.position);
    return out;
  }

  varint(value: number): void {
    this.reserve(5);
    let rest = value >>> 0;
    while (rest > 0x7f) {
      this.buffer[this.position++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buffer[this.position++] = rest;
  }

  /** An int32 or enum value: negative ones take ten bytes, sign-extended to 64 bits. */
  int32(value: number): void {
    if (value >= 0) this.varint(value);
    else this.int64(BigInt(value));
  }

  int64(value: bigint): void {
    this.reserve(10);
    let rest = BigInt.asUintN(64, value);
    while (rest > 0x7fn) {
      this.buffer[this.position++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.buffer[this.position++] = Number(rest);
  }

  double(value: number): void {
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.position);
    this.position += 8;
  }

  string(value: string): void {
    // One byte is kept for the length; a longer length moves the bytes up.
    this.reserve(value.length * 3 + 5);
    const start = this.beginLength();
    this.position += this.buffer.write(value, this.position, 'utf8');
    this.endLength(start);
  }

  /** Keeps one byte for a length and returns where the content starts. */
  beginLength(): number {
    this.reserve(1);
    this.position += 1;
    return this.position;
  }

  /** Writes the length of what was written since `beginLength`, moving it up when the length needs more than one byte. */
  endLength(start: number): void {
    const length = this.position - start;
    let size = 1;
    for (let rest = length >>> 7; rest > 0; rest >>>= 7) size++;
    if (size > 1) {
      this.reserve(size - 1);
      this.buffer.copyWithin(start + size - 1, start, this.position);
      this.position += size - 1;
    }
    let at = start - 1;
    let rest = length;
    while (rest > 0x7f) {
      this.buffer[at++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buffer[at] = rest;
  }

  private reserve(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + bytes));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }
}
