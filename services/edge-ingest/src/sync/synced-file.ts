/** The frames of one synced `.bin` file: each a 4-byte little-endian length, then that many bytes. */
export function readSyncedFrames(data: Buffer): { frames: Buffer[]; malformedTail: boolean } {
  const frames: Buffer[] = [];
  let offset = 0;
  while (offset + 4 <= data.length) {
    const length = data.readUInt32LE(offset);
    if (length === 0 || offset + 4 + length > data.length) return { frames, malformedTail: true };
    frames.push(data.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return { frames, malformedTail: offset !== data.length };
}
