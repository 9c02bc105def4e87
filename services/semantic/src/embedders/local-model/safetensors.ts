/**
 * Reads tensors from a `.safetensors` file: an 8-byte little-endian header
 * length, a JSON header (`name → {dtype, shape, data_offsets}`), then the raw
 * bytes. Weights come out as float32 whatever they were stored as (F32, F16,
 * BF16), since the CPU runtime computes in float32.
 */
export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export class SafetensorsFile {
  private readonly header: Record<string, SafetensorsEntry>;
  private readonly dataStart: number;

  constructor(
    private readonly bytes: Buffer,
    private readonly source: string,
  ) {
    if (bytes.length < 8) throw new Error(`${source} is not a safetensors file (${bytes.length} bytes)`);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    if (headerLength <= 0 || 8 + headerLength > bytes.length) throw new Error(`${source} is not a safetensors file (bad header length)`);
    const parsed = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, SafetensorsEntry>;
    delete parsed.__metadata__;
    this.header = parsed;
    this.dataStart = 8 + headerLength;
  }

  names(): string[] {
    return Object.keys(this.header);
  }

  has(name: string): boolean {
    return name in this.header;
  }

  shape(name: string): number[] {
    return this.entry(name).shape;
  }

  /** The tensor as float32, row-major in its stored shape. */
  float32(name: string): Float32Array {
    const entry = this.entry(name);
    const [start, end] = entry.data_offsets;
    const raw = this.bytes.subarray(this.dataStart + start, this.dataStart + end);
    const count = entry.shape.reduce((product, size) => product * size, 1);
    const out = new Float32Array(count);
    switch (entry.dtype) {
      case 'F32':
        new Uint8Array(out.buffer).set(raw);
        return out;
      case 'F16': {
        const halves = copyUint16(raw);
        const table = halfTable();
        for (let index = 0; index < count; index++) out[index] = table[halves[index]];
        return out;
      }
      case 'BF16': {
        const halves = copyUint16(raw);
        const word = new Uint32Array(out.buffer);
        for (let index = 0; index < count; index++) word[index] = halves[index] << 16;
        return out;
      }
      default:
        throw new Error(`${source(this.source, name)} has dtype ${entry.dtype}; only F32, F16 and BF16 weights are read`);
    }
  }

  private entry(name: string): SafetensorsEntry {
    const entry = this.header[name];
    if (!entry) throw new Error(`${this.source} has no tensor ${name}`);
    return entry;
  }
}

function source(file: string, name: string): string {
  return `${file}: tensor ${name}`;
}

/** The raw bytes as 16-bit words (copied: the file's bytes need not be 2-aligned). Little-endian, as the format is. */
function copyUint16(raw: Buffer): Uint16Array {
  const words = new Uint16Array(raw.length / 2);
  new Uint8Array(words.buffer).set(raw);
  return words;
}

let halfValues: Float32Array | undefined;

/** Every half-precision value as float32, indexed by its bits: one lookup per weight at load. */
function halfTable(): Float32Array {
  if (halfValues) return halfValues;
  halfValues = new Float32Array(65_536);
  for (let bits = 0; bits < 65_536; bits++) halfValues[bits] = halfToFloat(bits);
  return halfValues;
}

/** IEEE 754 half precision to a JavaScript number. */
export function halfToFloat(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
