import { z } from 'zod';

/**
 * Conversation memory (services/semantic/src/memory): the turns of a session
 * (`x-switchyard-session-id`, per workspace) are stored as embeddings, and the
 * earlier turns most relevant to a new message, that the request no longer
 * carries, are given back to the model as a system note. Absent: off.
 */
export const memoryConfigSchema = z
  .strictObject({
    /** At most this many earlier turns are recalled per request. */
    recall: z.number().int().positive().max(50).default(4),
    /**
     * Cosine similarity a stored exchange must reach to be recalled. Depends on
     * the embedder: with the offline default, a question that only alludes to
     * an earlier exchange scores about 0.2 against it, unrelated ones below 0.1.
     */
    minScore: z.number().min(-1).max(1).default(0.15),
    /**
     * Keep only about this many of the latest messages of a longer request
     * (cut where a user message starts; system messages stay): the earlier
     * ones are stored and recalled by relevance instead. Absent: nothing is cut.
     */
    recentMessages: z.number().int().min(2).optional(),
    /** The note of recalled turns is cut to this many characters. */
    maxNoteChars: z.number().int().min(200).default(4_000),
    /** Stored turns older than this are no longer recalled, and are deleted when met. Absent: kept until the session is deleted. */
    ttlSeconds: z.number().int().positive().optional(),
  })
  .optional();

export type MemoryConfig = NonNullable<z.infer<typeof memoryConfigSchema>>;
