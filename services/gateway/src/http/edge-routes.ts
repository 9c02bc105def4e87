import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Principal } from '@switchyard/shared';
import { authorizeRequest } from '../auth/authorize-request';
import { readCredential } from '../auth/read-credential';
import type { RequestAuthenticator } from '../auth/request-authenticator';
import { requestPrincipal } from '../auth/request-principal';
import type { RouteHandler } from './openai-routes';

export const SYNC_LOCAL_FILES_PATH = '/v1/sync-local-files';

/** Whose audio it is, as edge ingest's `StreamOwner` reads it: the user comes from the credential. */
export interface EdgeCaller {
  workspace: string;
  uid: string;
  keyId: string;
  /** The caller's own credential, for the gateway calls its stream makes; undefined when none is required. */
  credential?: string;
}

/** Resolves a bearer credential (undefined: none was sent) to its caller, or throws a `GatewayError` (401, 403, 503). */
export type EdgeAuthenticate = (credential: string | undefined) => Promise<EdgeCaller>;

/** Edge ingest's routes as the gateway carries them (`createOmiEndpoints` of `@switchyard/edge-ingest`). */
export interface EdgeIngestEndpoints {
  readonly webSocketPaths: readonly string[];
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  syncLocalFiles(request: IncomingMessage, response: ServerResponse, caller: EdgeCaller): void;
  close(): Promise<void>;
}

/** Builds edge ingest's routes once the gateway knows how it authenticates. */
export type EdgeIngestMount = (authenticate: EdgeAuthenticate) => EdgeIngestEndpoints;

/**
 * A stream's credential checked as any request's is, then the `audio.stream`
 * endpoint (the roles that may call models, and the key's endpoint scopes).
 */
export function edgeAuthenticate(authenticator: RequestAuthenticator): EdgeAuthenticate {
  return async (credential) => {
    const principal = await authenticator.authenticate(credential === undefined ? {} : { authorization: `Bearer ${credential}` });
    authorizeRequest(principal, 'audio.stream', {});
    return edgeCaller(principal, authenticator.required ? credential : undefined);
  };
}

/** `POST /v1/sync-local-files`: authenticated and authorized by the request listener before it runs. */
export function createEdgeRoutes(endpoints: EdgeIngestEndpoints | undefined, authenticator: RequestAuthenticator): Map<string, RouteHandler> {
  if (!endpoints) return new Map();
  return new Map([
    [
      `POST ${SYNC_LOCAL_FILES_PATH}`,
      (request: IncomingMessage, response: ServerResponse) =>
        endpoints.syncLocalFiles(request, response, edgeCaller(requestPrincipal(request), authenticator.required ? readCredential(request.headers) : undefined)),
    ],
  ]);
}

function edgeCaller(principal: Principal, credential: string | undefined): EdgeCaller {
  return { workspace: principal.workspace, uid: principal.subject, keyId: principal.keyId, credential };
}
