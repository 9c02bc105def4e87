'use strict';

/**
 * Sends one HTTP request through an undici dispatcher with a bare handler
 * (no stream objects), so the client side of the benchmark stays cheap, and
 * records when each part of the response arrived.
 */

const { performance } = require('node:perf_hooks');

const STREAM_DONE = 'data: [DONE]';
const KEPT_ERROR_BYTES = 400;

/**
 * @typedef {object} Outcome
 * @property {boolean} ok            status 200 and, for a stream, a first event and the closing `[DONE]`
 * @property {number} status        HTTP status, 0 when no response arrived
 * @property {number} startedAt     performance.now() when the request was handed to the dispatcher
 * @property {number} headersAt     when the response headers arrived
 * @property {number} firstEventAt  streams: when the first complete `data:` event had arrived
 * @property {number} finishedAt    when the whole body had arrived (or the request failed)
 * @property {number} bytes         body bytes received
 * @property {number} events        streams: `data:` events received
 * @property {string} [body]        the whole body when `keepBody` is set, else the start of an error body
 * @property {string} [problem]     why the request counts as an error
 */

/**
 * @param {import('undici').Dispatcher} dispatcher
 * @param {{ path: string, headers: Record<string, string>, body: Buffer }} request
 * @param {{ stream?: boolean, keepBody?: boolean }} [options]
 * @returns {Promise<Outcome>} never rejects: failures are outcomes with `ok: false`
 */
function sendRequest(dispatcher, request, options = {}) {
  const stream = options.stream === true;
  const keepBody = options.keepBody === true;
  return new Promise((resolve) => {
    const outcome = {
      ok: false,
      status: 0,
      startedAt: performance.now(),
      headersAt: 0,
      firstEventAt: 0,
      finishedAt: 0,
      bytes: 0,
      events: 0,
    };
    const kept = [];
    // Streams: text received since the last event boundary, and the body's last bytes.
    let pending = '';
    let tail = '';

    const finish = (problem) => {
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
          finish(`${error.code ?? error.name}: ${error.message}`);
        },
      },
    );
  });
}

module.exports = { sendRequest };
