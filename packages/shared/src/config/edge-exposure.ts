import type { SwitchyardConfig } from './config-schema';

/** The bootstrap admin token's environment variable: set, it turns authentication on. */
export const ADMIN_TOKEN_VARIABLE = 'SWITCHYARD_ADMIN_TOKEN';

/** Shortest admin token accepted: anything shorter could be guessed. */
export const ADMIN_TOKEN_MIN_LENGTH = 16;

/** Whether `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}

/** Whether the gateway requires a credential: an admin token is set, or the config says so. */
export function authenticationRequired(config: SwitchyardConfig, adminToken: string | undefined): boolean {
  return config.auth.enabled || (adminToken !== undefined && adminToken !== '');
}

/**
 * What is wrong with how the gateway would be exposed, as config problems
 * naming the path: an admin token too short to be a secret, or an address
 * other than loopback served without authentication and without
 * `server.allowUnauthenticated`.
 */
export function edgeExposureProblems(config: SwitchyardConfig, adminToken: string | undefined): string[] {
  const problems: string[] = [];
  if (adminToken !== undefined && adminToken !== '' && adminToken.length < ADMIN_TOKEN_MIN_LENGTH) {
    problems.push(`  - ${ADMIN_TOKEN_VARIABLE}: must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters long`);
  }
  if (!authenticationRequired(config, adminToken) && !isLoopbackHost(config.server.host) && !config.server.allowUnauthenticated) {
    problems.push(
      `  - server.allowUnauthenticated: must be true to serve server.host ${config.server.host} without authentication; ` +
        `set ${ADMIN_TOKEN_VARIABLE} (or auth.enabled: true) to require credentials, or listen on 127.0.0.1`,
    );
  }
  return problems;
}
