/**
 * Worker-thread entry: owns one `ModelRunner`, so tokenising and the forward
 * pass never run on the gateway's event loop. Messages in: `{id, texts}`;
 * out: `{id, vectors}` (one Float32Array, texts × dimensions, transferred)
 * or `{id, error}`. The first message out is `{ready: dimensions}` or
 * `{failed: message}`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ModelRunner, type ModelRunnerOptions } from './model-runner';

const port = parentPort!;

ModelRunner.open(workerData as ModelRunnerOptions).then(
  (runner) => {
    port.on('message', (message: { id: number; texts: string[] }) => {
      runner.embed(message.texts).then(
        (vectors) => port.postMessage({ id: message.id, vectors }, [vectors.buffer as ArrayBuffer]),
        (error: unknown) => port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
      );
    });
    port.postMessage({ ready: runner.dimensions });
  },
  (error: unknown) => port.postMessage({ failed: error instanceof Error ? error.message : String(error) }),
);
