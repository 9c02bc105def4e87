import type { TranscriptSegment } from '../contracts';

/** A segment as the pipeline sends it, for tests that need one without speech. */
export function testSegment(id: string, text: string, start: number, end: number, overrides: Partial<TranscriptSegment> = {}): TranscriptSegment {
  return {
    id,
    text,
    speaker: 'SPEAKER_00',
    speaker_id: 0,
    is_user: false,
    person_id: null,
    start,
    end,
    translations: [],
    speech_profile_processed: false,
    stt_provider: 'test',
    ...overrides,
  };
}
