import path from 'node:path';

/** The shared fixtures folder, which sits beside the repository (`../shared/fixtures`). */
export const FIXTURES_ROOT = path.resolve(__dirname, '../../../shared/fixtures');

/** An absolute path under the shared fixtures folder. */
export function fixturePath(...segments: string[]): string {
  return path.resolve(FIXTURES_ROOT, ...segments);
}
