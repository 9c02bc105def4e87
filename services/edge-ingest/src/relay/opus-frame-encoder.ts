import OpusScript from 'opusscript';

/** The Dev Kit 2's encoder: 16 kHz mono, 10 ms (160-sample) frames, CELT low delay, 32 kbit/s VBR, no DTX, no FEC. */
export const DEVICE_SAMPLE_RATE = 16_000;
export const DEVICE_FRAME_SAMPLES = 160;
export const DEVICE_BITRATE = 32_000;

// libopus request numbers (opus_defines.h): opusscript exposes only the generic CTL call.
const OPUS_SET_VBR_REQUEST = 4006;
const OPUS_SET_INBAND_FEC_REQUEST = 4012;
const OPUS_SET_DTX_REQUEST = 4016;

/**
 * Encodes 16-bit PCM into raw Opus packets exactly as the device sends them
 * (one packet per 10 ms frame, no Ogg, no length prefix). The last partial
 * frame is padded with silence, as the device's ring buffer would be.
 */
export class OpusFrameEncoder {
  private readonly encoder = new OpusScript(DEVICE_SAMPLE_RATE, 1, OpusScript.Application.RESTRICTED_LOWDELAY);

  constructor(bitrate = DEVICE_BITRATE) {
    this.encoder.setBitrate(bitrate);
    this.encoder.encoderCTL(OPUS_SET_VBR_REQUEST, 1);
    this.encoder.encoderCTL(OPUS_SET_INBAND_FEC_REQUEST, 0);
    this.encoder.encoderCTL(OPUS_SET_DTX_REQUEST, 0);
  }

  /** One packet per 160 samples of `samples` (16 kHz mono). */
  encode(samples: Int16Array): Buffer[] {
    const packets: Buffer[] = [];
    for (let offset = 0; offset < samples.length; offset += DEVICE_FRAME_SAMPLES) {
      const frame = new Int16Array(DEVICE_FRAME_SAMPLES);
      frame.set(samples.subarray(offset, Math.min(offset + DEVICE_FRAME_SAMPLES, samples.length)));
      // opusscript returns a view into its own heap: copy it before the next call reuses that memory.
      packets.push(Buffer.from(this.encoder.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), DEVICE_FRAME_SAMPLES)));
    }
    return packets;
  }

  close(): void {
    this.encoder.delete();
  }
}
