import { invalidApiKey, type KeyVerifier, type Principal, type TokenVerifier } from '@switchyard/shared';

/** A virtual key's principal for tests: a developer of `workspace`, acting and reading there only. */
export function keyPrincipal(workspace: string, overrides: Partial<Principal> = {}): Principal {
  return {
    kind: 'api_key',
    keyId: `key_${workspace}`,
    subject: `service-account-${workspace}`,
    organization: 'org_test',
    workspace,
    role: 'developer',
    readableWorkspaces: [workspace],
    actableWorkspaces: [workspace],
    scopes: {},
    ...overrides,
  };
}

/** Resolves the credentials it was given, as the auth service would; any other is a 401. */
export class InMemoryVerifier implements KeyVerifier, TokenVerifier {
  private readonly principals = new Map<string, Principal>();
  /** How many times it was asked: a refused request must not reach it more than once. */
  calls = 0;

  add(credential: string, principal: Principal): this {
    this.principals.set(credential, principal);
    return this;
  }

  async verify(credential: string): Promise<Principal> {
    this.calls++;
    const principal = this.principals.get(credential);
    if (!principal) throw invalidApiKey('The API key is not valid.');
    return principal;
  }
}

/** A verifier whose store is down: fails with an error that holds the credential. */
export class FailingVerifier implements KeyVerifier {
  async verify(credential: string): Promise<Principal> {
    throw new Error(`connection refused while looking up ${credential}`);
  }
}
