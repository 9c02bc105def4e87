import { VoiceActivityGate, type GateEvent } from './voice-activity-gate';

const WINDOW = 512;
const WINDOW_SECONDS = WINDOW / 16_000;

/** Runs probabilities through a gate, one window each, the window's samples all set to its index (to trace audio). */
function run(gate: VoiceActivityGate, probabilities: number[], firstIndex = 0): { events: GateEvent[]; byWindow: GateEvent[][] } {
  const byWindow = probabilities.map((probability, offset) => {
    const index = firstIndex + offset;
    return gate.accept(new Int16Array(WINDOW).fill(index), index * WINDOW_SECONDS, probability);
  });
  return { events: byWindow.flat(), byWindow };
}

const options = { threshold: 0.65, preRollMs: 100, hangoverMs: 500, utteranceEndMs: 200, maxUtteranceSeconds: 10 };
/** Which windows' audio an utterance holds, from the fill value. */
const audioWindows = (events: GateEvent[]) => events.flatMap((event) => (event.type === 'utterance-audio' ? [event.samples[0]] : []));

describe('VoiceActivityGate', () => {
  it('starts an utterance with its pre-roll, ends it after the silence and reports voice activity with the hangover', () => {
    const gate = new VoiceActivityGate(options);
    // 10 windows of silence, 10 of speech, then 30 of silence.
    const probabilities = [...Array(10).fill(0.05), ...Array(10).fill(0.95), ...Array(30).fill(0.05)];
    const { events, byWindow } = run(gate, probabilities);

    const starts = events.filter((event) => event.type === 'utterance-start');
    // 100 ms of pre-roll is 3.125 windows: the 4 windows before the speech.
    expect(starts).toEqual([{ type: 'utterance-start', atSeconds: 6 * WINDOW_SECONDS, speechAtSeconds: 10 * WINDOW_SECONDS }]);
    expect(audioWindows(events)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26]);
    // 200 ms of silence is 6.25 windows: the 7th silent window ends it.
    expect(byWindow[26]).toContainEqual({
      type: 'utterance-end',
      speechEndSeconds: 20 * WINDOW_SECONDS,
      speechSeconds: 10 * WINDOW_SECONDS,
      cut: false,
    });
    const activity = events.filter((event) => event.type === 'voice-activity');
    expect(activity).toEqual([
      { type: 'voice-activity', speaking: true, atSeconds: 10 * WINDOW_SECONDS },
      // 500 ms after the last speech window ended.
      { type: 'voice-activity', speaking: false, atSeconds: 36 * WINDOW_SECONDS },
    ]);
    expect(byWindow[35].some((event) => event.type === 'voice-activity')).toBe(true);
  });

  it('keeps a pause shorter than the utterance end inside the utterance, and between the thresholds keeps the state', () => {
    const gate = new VoiceActivityGate({ ...options, preRollMs: 0 });
    // speech, 3 silent windows (96 ms < 200 ms), speech, 10 windows at 0.55 (between 0.50 and 0.65), silence.
    const probabilities = [0.9, 0.9, 0.1, 0.1, 0.1, 0.9, ...Array(10).fill(0.55), ...Array(8).fill(0.1)];
    const { events } = run(gate, probabilities);
    expect(events.filter((event) => event.type === 'utterance-start')).toHaveLength(1);
    const end = events.find((event) => event.type === 'utterance-end');
    expect(end).toEqual({ type: 'utterance-end', speechEndSeconds: 6 * WINDOW_SECONDS, speechSeconds: 3 * WINDOW_SECONDS, cut: false });
    expect(audioWindows(events)).toEqual([...Array(23).keys()]);
  });

  it('cuts an utterance at its maximum length and goes on in a new one', () => {
    const gate = new VoiceActivityGate({ ...options, preRollMs: 0, maxUtteranceSeconds: 1 });
    const { events } = run(gate, Array(40).fill(0.9));
    const kinds = events.filter((event) => event.type !== 'utterance-audio').map((event) => event.type);
    // 1 s is 31.25 windows: the 32nd closes the first utterance.
    expect(kinds).toEqual(['voice-activity', 'utterance-start', 'utterance-end', 'utterance-start']);
    const cut = events.find((event) => event.type === 'utterance-end');
    expect(cut).toMatchObject({ cut: true, speechEndSeconds: 32 * WINDOW_SECONDS });
    expect(events.filter((event) => event.type === 'utterance-start')[1]).toEqual({
      type: 'utterance-start',
      atSeconds: 32 * WINDOW_SECONDS,
      speechAtSeconds: 32 * WINDOW_SECONDS,
    });
  });

  it('ends an open utterance and voice activity when the stream is flushed, and ignores silence and noise below the threshold', () => {
    const quiet = new VoiceActivityGate(options);
    expect(run(quiet, Array(50).fill(0.6)).events).toEqual([]);
    expect(quiet.flush()).toEqual([]);

    const gate = new VoiceActivityGate(options);
    run(gate, [0.1, 0.9, 0.9]);
    expect(gate.flush()).toEqual([
      { type: 'utterance-end', speechEndSeconds: 3 * WINDOW_SECONDS, speechSeconds: 2 * WINDOW_SECONDS, cut: false },
      { type: 'voice-activity', speaking: false, atSeconds: 3 * WINDOW_SECONDS },
    ]);
  });
});
