import type { OnnxGraph, OnnxInitializer, OnnxNode } from './onnx-writer';
import type { SafetensorsFile } from './safetensors';

/** The fields of a BERT `config.json` the forward pass needs. */
export interface BertConfig {
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  max_position_embeddings: number;
  layer_norm_eps?: number;
  hidden_act?: string;
  model_type?: string;
}

/**
 * The BERT encoder (embeddings, then self-attention and feed-forward blocks
 * with post-layer-norm) as an ONNX graph whose output is the last hidden
 * state. Inputs: `input_ids` [batch, sequence], `position_ids` [sequence]
 * and `attention_bias` [batch, 1, 1, sequence] (0 for a token, a large
 * negative number for padding). Constant work is done here, once: weights
 * transposed for MatMul, the attention scale folded into the query
 * projection, token type 0 folded into the position table (single-segment
 * input only). With `int8`, the projections' weights are quantized per
 * output column (symmetric) and activations per call (DynamicQuantizeLinear),
 * which ONNX Runtime fuses into its integer matrix multiply: about twice as
 * fast on CPU, vectors within about 0.01 of float32's.
 */
export function bertGraph(config: BertConfig, weights: SafetensorsFile, precision: 'fp32' | 'int8' = 'fp32'): OnnxGraph {
  if (config.model_type !== undefined && config.model_type !== 'bert') {
    throw new Error(`config.json describes a ${config.model_type} model; this embedder runs BERT encoders (MiniLM, BGE, E5, GTE…)`);
  }
  if (config.hidden_act !== undefined && config.hidden_act !== 'gelu') {
    throw new Error(`config.json uses activation ${config.hidden_act}; this embedder runs gelu BERT encoders`);
  }
  const hidden = config.hidden_size;
  const heads = config.num_attention_heads;
  const headSize = hidden / heads;
  const epsilon = config.layer_norm_eps ?? 1e-12;
  const prefix = weightPrefix(weights);
  const tensor = (name: string) => weights.float32(prefix + name);

  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [];
  const constant = (name: string, dims: number[], data: OnnxInitializer['data']) => {
    initializers.push({ name, dims, data });
    return name;
  };
  let counter = 0;
  const node = (op: string, inputs: string[], attributes?: OnnxNode['attributes']) => {
    const output = `${op.toLowerCase()}_${counter++}`;
    nodes.push({ op, inputs, outputs: [output], attributes });
    return output;
  };
  const layerNorm = (input: string, name: string) =>
    node(
      'LayerNormalization',
      [input, constant(`${name}.weight`, [hidden], tensor(`${name}.weight`)), constant(`${name}.bias`, [hidden], tensor(`${name}.bias`))],
      {
        axis: -1,
        epsilon: { float: epsilon },
      },
    );
  const linear = (input: string, name: string, scale = 1) => {
    const [outputs, inputs] = weights.shape(prefix + `${name}.weight`);
    const weight = transpose(tensor(`${name}.weight`), outputs, inputs);
    const bias = tensor(`${name}.bias`);
    if (scale !== 1) {
      for (let index = 0; index < weight.length; index++) weight[index] *= scale;
      for (let index = 0; index < bias.length; index++) bias[index] *= scale;
    }
    if (precision === 'fp32') {
      const product = node('MatMul', [input, constant(`${name}.weight_t`, [inputs, outputs], weight)]);
      return node('Add', [product, constant(`${name}.bias`, [outputs], bias)]);
    }
    const { values, scales } = quantizeColumns(weight, inputs, outputs);
    const quantized = `${input}_q`;
    if (!nodes.some((existing) => existing.outputs[0] === quantized)) {
      nodes.push({ op: 'DynamicQuantizeLinear', inputs: [input], outputs: [quantized, `${input}_scale`, `${input}_zero`] });
    }
    const integers = node('MatMulInteger', [quantized, constant(`${name}.weight_q`, [inputs, outputs], values), `${input}_zero`]);
    const columnScales = node('Mul', [`${input}_scale`, constant(`${name}.weight_scale`, [outputs], scales)]);
    const product = node('Mul', [node('Cast', [integers], { to: 1 }), columnScales]);
    return node('Add', [product, constant(`${name}.bias`, [outputs], bias)]);
  };

  const positionTable = tensor('embeddings.position_embeddings.weight');
  if (weights.has(prefix + 'embeddings.token_type_embeddings.weight')) {
    const typeZero = tensor('embeddings.token_type_embeddings.weight').subarray(0, hidden);
    for (let index = 0; index < positionTable.length; index++) positionTable[index] += typeZero[index % hidden];
  }
  const words = node('Gather', [
    constant('word_embeddings', weights.shape(prefix + 'embeddings.word_embeddings.weight'), tensor('embeddings.word_embeddings.weight')),
    'input_ids',
  ]);
  const positions = node('Gather', [constant('position_embeddings', [config.max_position_embeddings, hidden], positionTable), 'position_ids']);
  let state = layerNorm(node('Add', [words, positions]), 'embeddings.LayerNorm');

  const splitHeads = constant('split_heads', [4], BigInt64Array.from([0n, 0n, BigInt(heads), BigInt(headSize)]));
  const mergeHeads = constant('merge_heads', [3], BigInt64Array.from([0n, 0n, BigInt(hidden)]));
  const half = constant('half', [], Float32Array.of(0.5));
  const one = constant('one', [], Float32Array.of(1));
  const rootTwo = constant('root_two', [], Float32Array.of(Math.SQRT2));

  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const name = `encoder.layer.${layer}`;
    const query = node('Transpose', [node('Reshape', [linear(state, `${name}.attention.self.query`, 1 / Math.sqrt(headSize)), splitHeads])], {
      perm: [0, 2, 1, 3],
    });
    const key = node('Transpose', [node('Reshape', [linear(state, `${name}.attention.self.key`), splitHeads])], { perm: [0, 2, 3, 1] });
    const value = node('Transpose', [node('Reshape', [linear(state, `${name}.attention.self.value`), splitHeads])], { perm: [0, 2, 1, 3] });
    const scores = node('Add', [node('MatMul', [query, key]), 'attention_bias']);
    const context = node('MatMul', [node('Softmax', [scores], { axis: -1 }), value]);
    const merged = node('Reshape', [node('Transpose', [context], { perm: [0, 2, 1, 3] }), mergeHeads]);
    state = layerNorm(node('Add', [linear(merged, `${name}.attention.output.dense`), state]), `${name}.attention.output.LayerNorm`);
    // gelu(x) = x · ½ · (1 + erf(x / √2)), the exact form BERT was trained with.
    const inner = linear(state, `${name}.intermediate.dense`);
    const gelu = node('Mul', [node('Mul', [inner, node('Add', [node('Erf', [node('Div', [inner, rootTwo])]), one])]), half]);
    state = layerNorm(node('Add', [linear(gelu, `${name}.output.dense`), state]), `${name}.output.LayerNorm`);
  }
  nodes.push({ op: 'Identity', inputs: [state], outputs: ['last_hidden_state'] });

  return {
    name: 'bert',
    nodes,
    initializers,
    inputs: [
      { name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] },
      { name: 'position_ids', type: 'int64', shape: ['sequence'] },
      { name: 'attention_bias', type: 'float', shape: ['batch', 1, 1, 'sequence'] },
    ],
    outputs: [{ name: 'last_hidden_state', type: 'float', shape: ['batch', 'sequence', hidden] }],
    opset: 17,
  };
}

/** `bert.` or `` : checkpoints saved from a task model nest the encoder under its name. */
function weightPrefix(weights: SafetensorsFile): string {
  const suffix = 'embeddings.word_embeddings.weight';
  const name = weights.names().find((candidate) => candidate.endsWith(suffix));
  if (name === undefined) throw new Error('the weights hold no embeddings.word_embeddings.weight: not a BERT checkpoint');
  return name.slice(0, name.length - suffix.length);
}

/** Symmetric int8 per output column: each column scaled so its largest magnitude is 127. */
function quantizeColumns(matrix: Float32Array, rows: number, columns: number): { values: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(columns);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) scales[column] = Math.max(scales[column], Math.abs(matrix[row * columns + column]));
  }
  for (let column = 0; column < columns; column++) scales[column] = scales[column] === 0 ? 1 : scales[column] / 127;
  const values = new Int8Array(matrix.length);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) values[row * columns + column] = Math.round(matrix[row * columns + column] / scales[column]);
  }
  return { values, scales };
}

function transpose(matrix: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(matrix.length);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) out[column * rows + row] = matrix[row * columns + column];
  }
  return out;
}
