import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { InProcessKeyInvalidationBus, type KeyInvalidationBus } from '../../keys/key-invalidation';
import type { GovernanceStore } from '../../storage/governance-store';
import type { OidcSettings, SwitchyardJwtSettings } from '../../tokens/jwt-verifier';
import type { AdminActionEvent } from '../admin-action-event';
import { createAdminRouter } from '../create-admin-router';

export const TEST_ADMIN_TOKEN = 'test-admin-token-' + 'x'.repeat(24);

export interface RunningAdminServer {
  url: string;
  jwt: SwitchyardJwtSettings;
  keyHashSecret: Buffer;
  invalidations: KeyInvalidationBus;
  /** Every event `onAdminAction` was told of, oldest first. */
  events: AdminActionEvent[];
  /** `fetch` to the server, as the bootstrap admin unless `token` says otherwise (null: no credential). */
  call(method: string, path: string, options?: { body?: unknown; token?: string | null; rawBody?: string }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** The admin router alone in an express app on a free loopback port, as the gateway mounts it. */
export async function startAdminServer(
  store: GovernanceStore,
  options: { oidc?: OidcSettings; allowUnauthenticated?: boolean } = {},
): Promise<RunningAdminServer> {
  const jwt: SwitchyardJwtSettings = { secret: new Uint8Array(randomBytes(32)) };
  const keyHashSecret = randomBytes(32);
  const invalidations = new InProcessKeyInvalidationBus();
  const events: AdminActionEvent[] = [];
  const app = express();
  app.use(
    createAdminRouter({
      store,
      keyHashSecret,
      invalidations,
      adminToken: TEST_ADMIN_TOKEN,
      jwt,
      oidc: options.oidc,
      allowUnauthenticated: options.allowUnauthenticated,
      onAdminAction: (event) => {
        events.push(event);
      },
    }),
  );
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwt,
    keyHashSecret,
    invalidations,
    events,
    async call(method, path, { body, token = TEST_ADMIN_TOKEN, rawBody } = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const response = await fetch(url + path, { method, headers, body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)) });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await invalidations.close();
    },
  };
}
