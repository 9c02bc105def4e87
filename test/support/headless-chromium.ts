import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, installed by `scripts/services.sh up chromium` (Playwright's own downloads cannot reach this machine). */
export const CHROMIUM_PATH = process.env.SWITCHYARD_CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launches headless Chromium for a browser test: no sandbox (the tests run as
 * root), and none of the background connections Chromium makes by itself,
 * which a machine without outside network refuses many at a time. Fails,
 * naming the fix, when the browser is missing: the suite is never skipped.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: run scripts/services.sh up chromium (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
