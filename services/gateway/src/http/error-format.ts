import { openAIErrorBody, type GatewayError } from '@switchyard/shared';

/** How a route's client reads an error: the JSON body of an error answer, and the event that ends a stream already started. */
export interface ErrorFormat {
  body(error: GatewayError, requestId: string): unknown;
  streamEvent(error: GatewayError, requestId: string): string;
}

/** OpenAI's `{"error": {...}}`; mid-stream, a `data:` event OpenAI's clients read and stop on. */
export const OPENAI_ERROR_FORMAT: ErrorFormat = {
  body: (error) => openAIErrorBody(error),
  streamEvent: (error) => `data: ${JSON.stringify(openAIErrorBody(error))}\n\n`,
};
