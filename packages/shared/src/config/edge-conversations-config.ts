import { z } from 'zod';

/** Placeholder for `edge.conversations` (the conversation tracker's settings), defined by the tracker's own change. */
export const edgeConversationsConfigSchema = z.strictObject({}).prefault({});
