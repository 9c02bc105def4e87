import { Router, type Request, type Response } from 'express';
import { GatewayError, invalidRequest, type WorkspaceScope } from '@switchyard/shared';
import type { HttpExchange } from './http-exchange';
import { optionalInteger, optionalString, optionalTime } from './observability-routes';

/**
 * What the conversation routes read: the edge-ingest service's conversation
 * store over the records database (`SqlConversationStore` of
 * `@switchyard/edge-ingest`, which this matches). A conversation is Omi's
 * shape (`StoredConversation`); the gateway passes it through as it is.
 */
export interface ConversationQueries {
  listConversations(query: {
    scope: WorkspaceScope;
    uid?: string;
    from?: Date;
    to?: Date;
    limit: number;
    after?: string;
  }): Promise<{ conversations: object[]; nextCursor?: string }>;
  getConversation(id: string, scope: WorkspaceScope): Promise<object | undefined>;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
/** Conversation ids are `conv_` and 32 hex digits; anything of this shape is looked up, nothing longer. */
const CONVERSATION_ID = /^[\w.:-]{1,128}$/;

/**
 * `GET /v1/conversations` (newest first, without their transcripts; `uid`,
 * `from`/`to` on the start time, `limit`, `after` = the page before's
 * `next_cursor`) and `GET /v1/conversations/{id}` (with its transcript
 * segments, summary and memories). Only the workspaces the caller may read:
 * another workspace's conversation is a 404.
 */
export function createConversationRoutes(conversations: ConversationQueries | undefined): Router {
  const router = Router();

  router.get('/v1/conversations', async (request: Request, response: Response) => {
    const exchange = response.locals.exchange as HttpExchange;
    if (!conversations) throw conversationsUnavailable();
    const { query } = request;
    const from = optionalTime(query, 'from');
    const to = optionalTime(query, 'to');
    if (from && to && from >= to) throw invalidRequest('from must be earlier than to.', 'from');
    const limit = optionalInteger(query, 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT;
    const page = await conversations.listConversations({
      scope: exchange.principal.readableWorkspaces,
      uid: optionalString(query, 'uid'),
      from,
      to,
      limit,
      after: optionalString(query, 'after'),
    });
    exchange.sendJson(200, { object: 'list', data: page.conversations, has_more: page.nextCursor !== undefined, next_cursor: page.nextCursor ?? null });
    exchange.completed();
  });

  router.get('/v1/conversations/:id', async (request: Request, response: Response) => {
    const exchange = response.locals.exchange as HttpExchange;
    if (!conversations) throw conversationsUnavailable();
    const id = String(request.params.id);
    if (!CONVERSATION_ID.test(id)) throw invalidRequest('A conversation id is 1-128 letters, digits or . : _ -.', 'id', 'invalid_value');
    const conversation = await conversations.getConversation(id, exchange.principal.readableWorkspaces);
    if (!conversation) {
      throw new GatewayError(`No conversation with id ${id} was found.`, { status: 404, errorClass: 'not_found', param: 'id', code: 'conversation_not_found' });
    }
    exchange.sendJson(200, conversation);
    exchange.completed();
  });

  return router;
}

function conversationsUnavailable(): GatewayError {
  return new GatewayError('Conversations are not available from this gateway.', {
    status: 404,
    errorClass: 'not_found',
    code: 'conversations_unavailable',
  });
}
