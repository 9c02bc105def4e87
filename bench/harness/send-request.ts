/**
 * Sends one HTTP request through an undici dispatcher with a bare handler
 * (no stream objects), so the client side of the benchmark stays cheap, and
 * records when each part of the response arrived.
 */

import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';

const STREAM_DONE = 'data: [DONE]';
const KEPT_ERROR_BYTES = 400;

export interface BenchRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Outcome {
  /** Status 200 and, for a stream, a first event and the closing `[DONE]`. */
  ok: boolean;
  /** HTTP status, 0 when no response arrived. */
  status: number;
  /** performance.now() when the request was handed to the dispatcher. */
  startedAt: number;
  headersAt: number;
  /** Streams: when the first complete `data:` event had arrived. */
  firstEventAt: number;
  /** When the whole body had arrived (or the request failed). */
  finishedAt: number;
  bytes: number;
  /** Streams: `data:` events received. */
  events: number;
  /** The whole body when `keepBody` is set, else the start of an error body. */
  body?: string;
  /** Why the request counts as an error. */
  problem?: string;
}

/** Never rejects: failures are outcomes with `ok: false`. */
export function sendRequest(dispatcher: Dispatcher, request: BenchRequest, options: { stream?: boolean; keepBody?: boolean } = {}): Promise<Outcome> {
  const stream = options.stream === true;
  const keepBody = options.keepBody === true;
  return new Promise((resolve) => {
    const outcome: Outcome = {
      ok: false,
      status: 0,
      startedAt: performance.now(),
      headersAt: 0,
      firstEventAt: 0,
      finishedAt: 0,
      bytes: 0,
      events: 0,
    };
    const kept: Buffer[] = [];
    // Streams: text received since the last event boundary, and the body's last bytes.
    let pending = '';
    let tail = '';

    const finish = (problem?: string): void => {
      outcome.finishedAt = performance.now();
      if (kept.length > 0 || keepBody) outcome.body = Buffer.concat(kept).toString('utf8');
      if (problem) outcome.problem = problem;
      resolve(outcome);
    };

    dispatcher.dispatch(
      { path: request.path, method: 'POST', headers: request.headers, body: request.body },
      {
        onRequestStart() {},
        onResponseStart(_controller, statusCode) {
          outcome.status = statusCode;
          outcome.headersAt = performance.now();
        },
        onResponseData(_controller, chunk) {
          outcome.bytes += chunk.length;
          if (keepBody || (outcome.status !== 200 && outcome.bytes - chunk.length < KEPT_ERROR_BYTES)) kept.push(chunk);
          if (!stream || outcome.status !== 200) return;
          // Only ASCII markers are searched for, so latin1 decoding is exact and
          // never trips over a character split across chunks.
          const text = chunk.toString('latin1');
          pending += text;
          let boundary = pending.indexOf('\n\n');
          while (boundary !== -1) {
            const event = pending.slice(0, boundary);
            pending = pending.slice(boundary + 2);
            if (event.startsWith('data:') || event.includes('\ndata:')) {
              outcome.events += 1;
              if (outcome.firstEventAt === 0) outcome.firstEventAt = performance.now();
            }
            boundary = pending.indexOf('\n\n');
          }
          tail = (tail + text).slice(-64);
        },
        onResponseEnd() {
          if (outcome.status !== 200) return finish(`status ${outcome.status}`);
          if (stream && outcome.firstEventAt === 0) return finish('stream without a data event');
          if (stream && !tail.includes(STREAM_DONE)) return finish('stream did not end with data: [DONE]');
          if (outcome.bytes === 0) return finish('empty body');
          outcome.ok = true;
          return finish();
        },
        onResponseError(_controller, error) {
          finish(`${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}`);
        },
      },
    );
  });
}
