import fs from 'node:fs';
import type { InferenceSession as Session } from 'onnxruntime-node';
import { bertGraph, type BertConfig } from './bert-graph';
import { writeOnnxModel } from './onnx-writer';
import { SafetensorsFile } from './safetensors';
import { WordPieceTokenizer, type TokenizerJson } from './wordpiece-tokenizer';

/** The three files of a BERT sentence-embedding model, as Hugging Face repositories hold them. */
export interface ModelFiles {
  configPath: string;
  tokenizerPath: string;
  weightsPath: string;
}

export interface ModelRunnerOptions {
  files: ModelFiles;
  /** Longer texts are cut to this many tokens (with `[CLS]`/`[SEP]`). */
  maxTokens: number;
  /** ONNX Runtime's threads for one forward pass. */
  threads: number;
  /** `int8` quantizes the projections (faster on CPU); `fp32` by default. */
  precision?: 'fp32' | 'int8';
}

/** Texts padded together in one forward pass; similar lengths are grouped so padding stays small. */
const MAX_FORWARD_BATCH = 32;
/**
 * int8 quantizes activations with one scale per forward pass, so a text's
 * vector would depend on its batch-mates; one text a pass keeps it the same.
 */
const MAX_INT8_FORWARD_BATCH = 1;
/** Softmax weight of padding: e^-10000 is 0 in float32. */
const PADDING_BIAS = -10_000;

/**
 * One BERT sentence-embedding model on ONNX Runtime (CPU): the tokenizer,
 * the forward pass, mean pooling over the real tokens and L2 normalisation
 * (the sentence-transformers recipe for MiniLM, BGE, E5, GTE). Runs on the
 * thread that calls it: the embedder host keeps it on a worker thread.
 */
export class ModelRunner {
  private constructor(
    private readonly session: Session,
    private readonly ort: typeof import('onnxruntime-node'),
    private readonly tokenizer: WordPieceTokenizer,
    readonly dimensions: number,
    private readonly maxTokens: number,
    private readonly forwardBatch: number,
  ) {}

  static async open(options: ModelRunnerOptions): Promise<ModelRunner> {
    const config = JSON.parse(fs.readFileSync(options.files.configPath, 'utf8')) as BertConfig;
    const tokenizer = new WordPieceTokenizer(JSON.parse(fs.readFileSync(options.files.tokenizerPath, 'utf8')) as TokenizerJson);
    const model = writeOnnxModel(
      bertGraph(config, new SafetensorsFile(fs.readFileSync(options.files.weightsPath), options.files.weightsPath), options.precision),
    );
    // Loaded here, not at import: a gateway without a semantic plugin never loads the native runtime.
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
    const maxTokens = Math.min(options.maxTokens, config.max_position_embeddings);
    const forwardBatch = options.precision === 'int8' ? MAX_INT8_FORWARD_BATCH : MAX_FORWARD_BATCH;
    return new ModelRunner(session, ort, tokenizer, config.hidden_size, maxTokens, forwardBatch);
  }

  /** Unit vectors of `texts`, concatenated (`texts.length × dimensions`). */
  async embed(texts: readonly string[]): Promise<Float32Array> {
    const out = new Float32Array(texts.length * this.dimensions);
    const encoded = texts.map((text, index) => ({ index, ids: this.tokenizer.encode(text, this.maxTokens) }));
    encoded.sort((a, b) => a.ids.length - b.ids.length);
    for (let start = 0; start < encoded.length; start += this.forwardBatch) {
      await this.forward(encoded.slice(start, start + this.forwardBatch), out);
    }
    return out;
  }

  private async forward(batch: Array<{ index: number; ids: number[] }>, out: Float32Array): Promise<void> {
    const { Tensor } = this.ort;
    const sequence = Math.max(...batch.map((item) => item.ids.length));
    const ids = new BigInt64Array(batch.length * sequence);
    const bias = new Float32Array(batch.length * sequence).fill(PADDING_BIAS);
    batch.forEach((item, row) => {
      for (let position = 0; position < item.ids.length; position++) {
        ids[row * sequence + position] = BigInt(item.ids[position]);
        bias[row * sequence + position] = 0;
      }
    });
    const positions = new BigInt64Array(sequence);
    for (let position = 0; position < sequence; position++) positions[position] = BigInt(position);
    const result = await this.session.run({
      input_ids: new Tensor('int64', ids, [batch.length, sequence]),
      position_ids: new Tensor('int64', positions, [sequence]),
      attention_bias: new Tensor('float32', bias, [batch.length, 1, 1, sequence]),
    });
    const hidden = result.last_hidden_state.data as Float32Array;
    const size = this.dimensions;
    batch.forEach((item, row) => {
      const vector = out.subarray(item.index * size, (item.index + 1) * size);
      for (let position = 0; position < item.ids.length; position++) {
        const offset = (row * sequence + position) * size;
        for (let dimension = 0; dimension < size; dimension++) vector[dimension] += hidden[offset + dimension];
      }
      let norm = 0;
      for (let dimension = 0; dimension < size; dimension++) norm += vector[dimension] * vector[dimension];
      // Mean pooling then normalising: the mean's 1/n cancels out.
      const scale = norm === 0 ? 0 : 1 / Math.sqrt(norm);
      for (let dimension = 0; dimension < size; dimension++) vector[dimension] *= scale;
    });
    result.last_hidden_state.dispose?.();
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
