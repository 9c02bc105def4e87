/**
 * The close codes of Omi's `/v4/listen`, as its app reads them, and the
 * RFC 6455 codes this service adds for what the app's backend never said.
 */
export const OMI_CLOSE_CODES = {
  /** The stream ended normally. */
  normal: 1000,
  /** Idle for `idleTimeoutSeconds`, or the server is shutting down: the app reconnects. */
  goingAway: 1001,
  /** `maxConsecutiveUndecodable` packets in a row were not audio of the stream's codec. */
  unsupportedData: 1003,
  /** Bad credential, a bad or unsupported parameter (codec, language, sample rate), a bad first message. */
  policyViolation: 1008,
  /** A message longer than `maxMessageBytes` (closed by the WebSocket layer itself). */
  messageTooBig: 1009,
  /** Speech to text failed for good (after `service_status` `stt_failed`), or the stream could not start. */
  serverError: 1011,
  /** Too many streams, or credentials cannot be checked right now: the app retries later. */
  tryAgainLater: 1013,
} as const;

export type OmiCloseCode = (typeof OMI_CLOSE_CODES)[keyof typeof OMI_CLOSE_CODES];
