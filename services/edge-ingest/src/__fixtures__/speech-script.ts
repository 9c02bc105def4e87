/**
 * The sentences the edge-ingest speech tests speak with flite (voice slt):
 * a short meeting with an action item and an event, in plain words (no digits,
 * which speech-to-text may write either way).
 */
export const SPEECH_SCRIPT = [
  'Good morning everyone, thanks for joining the weekly planning meeting.',
  'The new dashboard is almost ready and the team will ship it next week.',
  'Please remember to send the budget report to finance before Friday.',
  'We also need to book a room for the customer workshop on Tuesday afternoon.',
  'The mobile app crashed twice yesterday, so the engineers will look at the logs today.',
  'Let us meet again next Monday to review the progress.',
];
