/**
 * Seconds of audio in a WAV (RIFF/WAVE) file from its header: the `data`
 * chunk's size over the `fmt ` chunk's byte rate. Undefined for anything
 * else, or a header that does not add up; the file is not decoded.
 * Streaming writers leave the sizes at 0 or 0xFFFFFFFF: the bytes present
 * are counted then.
 */
export function wavDurationSeconds(file: Uint8Array): number | undefined {
  if (file.length < 12) return undefined;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (ascii(file, 0) !== 'RIFF' || ascii(file, 8) !== 'WAVE') return undefined;
  let byteRate: number | undefined;
  let offset = 12;
  while (offset + 8 <= file.length) {
    const id = ascii(file, offset);
    const size = view.getUint32(offset + 4, true);
    const start = offset + 8;
    if (id === 'fmt ' && size >= 16 && start + 16 <= file.length) {
      byteRate = view.getUint32(start + 8, true);
    } else if (id === 'data') {
      if (byteRate === undefined || byteRate === 0) return undefined;
      const present = file.length - start;
      const bytes = size === 0 || size === 0xffffffff || size > present ? present : size;
      return bytes / byteRate;
    }
    // Chunks are padded to an even size.
    offset = start + size + (size % 2);
  }
  return undefined;
}

function ascii(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);
}
