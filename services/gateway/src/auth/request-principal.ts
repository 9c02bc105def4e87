import type { IncomingMessage } from 'node:http';
import { ANONYMOUS_PRINCIPAL, type Principal } from '@switchyard/shared';

/** The principal the request listener established for each request, before any route ran. */
const principals = new WeakMap<IncomingMessage, Principal>();

export function setRequestPrincipal(request: IncomingMessage, principal: Principal): void {
  principals.set(request, principal);
}

/** The request's principal; anonymous when the listener required none. */
export function requestPrincipal(request: IncomingMessage): Principal {
  return principals.get(request) ?? ANONYMOUS_PRINCIPAL;
}
