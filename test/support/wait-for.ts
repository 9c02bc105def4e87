/**
 * Waits on a condition, never on a fixed time: `probe` is called until
 * `done` holds for its result (every `intervalMs`, 100 ms by default), and
 * that result is returned. After `timeoutMs` it throws, naming what was
 * awaited and the last result, so a test that cannot finish fails with the
 * reason rather than a jest timeout.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs, what, intervalMs = 100 }: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
