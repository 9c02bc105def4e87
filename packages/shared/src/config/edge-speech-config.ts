import { z } from 'zod';

/** Placeholder for `edge.speech` (the audio pipeline's settings), defined by the pipeline's own change. */
export const edgeSpeechConfigSchema = z.strictObject({}).prefault({});
