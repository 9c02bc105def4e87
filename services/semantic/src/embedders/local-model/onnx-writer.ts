/**
 * Writes an ONNX model (the `onnx.ModelProto` protobuf) from a small graph
 * description, so a model shipped as plain weights (safetensors) can run on
 * ONNX Runtime without a conversion step or a Python toolchain. Only the
 * fields a forward pass needs are written; field numbers are onnx.proto's.
 */
export type OnnxAttribute = number | number[] | { float: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, OnnxAttribute>;
  /** Unique in the graph; the first output's name when absent. */
  name?: string;
}

export interface OnnxInitializer {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array | Int8Array;
}

export interface OnnxValue {
  name: string;
  type: 'float' | 'int64';
  /** A number is a fixed size; a string names a size known at run time (`batch`). */
  shape: Array<number | string>;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  opset: number;
}

const FLOAT = 1;
const INT8 = 3;
const INT64 = 7;
const ATTRIBUTE_FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

/** Protobuf wire encoding, appended to a list of chunks. */
class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  private varint(value: bigint | number): void {
    let rest = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    do {
      let byte = Number(rest & 0x7fn);
      rest >>= 7n;
      if (rest !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (rest !== 0n);
    this.push(Uint8Array.from(bytes));
  }

  private tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, write: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

export function writeOnnxModel(graph: OnnxGraph): Uint8Array {
  const model = new ProtoWriter();
  model.int(1, 8); // ir_version
  model.string(2, 'switchyard');
  model.message(7, (graphWriter) => {
    for (const node of graph.nodes) graphWriter.message(1, (writer) => writeNode(writer, node));
    graphWriter.string(2, graph.name);
    for (const initializer of graph.initializers) graphWriter.message(5, (writer) => writeTensor(writer, initializer));
    for (const input of graph.inputs) graphWriter.message(11, (writer) => writeValue(writer, input));
    for (const output of graph.outputs) graphWriter.message(12, (writer) => writeValue(writer, output));
  });
  model.message(8, (opset) => opset.string(1, '').int(2, graph.opset));
  return model.finish();
}

function writeNode(writer: ProtoWriter, node: OnnxNode): void {
  for (const input of node.inputs) writer.string(1, input);
  for (const output of node.outputs) writer.string(2, output);
  writer.string(3, node.name ?? node.outputs[0]);
  writer.string(4, node.op);
  for (const [name, value] of Object.entries(node.attributes ?? {})) {
    writer.message(5, (attribute) => {
      attribute.string(1, name);
      if (Array.isArray(value)) {
        for (const item of value) attribute.int(8, item);
        attribute.int(20, ATTRIBUTE_INTS);
      } else if (typeof value === 'object') {
        attribute.float(2, value.float);
        attribute.int(20, ATTRIBUTE_FLOAT);
      } else {
        attribute.int(3, value);
        attribute.int(20, ATTRIBUTE_INT);
      }
    });
  }
}

function writeTensor(writer: ProtoWriter, tensor: OnnxInitializer): void {
  for (const dim of tensor.dims) writer.int(1, dim);
  writer.int(2, tensor.data instanceof Float32Array ? FLOAT : tensor.data instanceof Int8Array ? INT8 : INT64);
  writer.string(8, tensor.name);
  // raw_data is little-endian, as typed arrays are on every platform Node runs on here.
  writer.bytes(9, new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
}

function writeValue(writer: ProtoWriter, value: OnnxValue): void {
  writer.string(1, value.name);
  writer.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.int(1, value.type === 'float' ? FLOAT : INT64);
      tensorType.message(2, (shape) => {
        for (const dim of value.shape) shape.message(1, (dimension) => (typeof dim === 'number' ? dimension.int(1, dim) : dimension.string(2, dim)));
      });
    }),
  );
}
