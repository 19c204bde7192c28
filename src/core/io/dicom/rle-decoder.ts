import { TesseraError } from '../../errors';

/**
 * DICOM RLE (PS3.5 Annex G): a 64-byte header of up to 15 segment offsets, one PackBits segment per byte
 * plane, most significant plane first. Returns the frame as little-endian samples (planes interleaved back).
 */
export function decodeRle(
  frame: Uint8Array,
  pixels: number,
  bytesPerSample: number,
  file: string,
): Uint8Array {
  if (frame.length < 64) throw new TesseraError('truncated-data', file, 'the RLE frame header is truncated');
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = dv.getUint32(0, true);
  if (segments !== bytesPerSample)
    throw new TesseraError(
      'bad-header',
      file,
      `the RLE frame has ${segments} segments, expected ${bytesPerSample}`,
    );
  const out = new Uint8Array(pixels * bytesPerSample);
  for (let s = 0; s < segments; s++) {
    const start = dv.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? dv.getUint32(8 + 4 * s, true) : frame.length;
    // Segment 0 holds the most significant byte; in little-endian output that is the last byte of a sample.
    let o = bytesPerSample - 1 - s;
    let p = start;
    let written = 0;
    while (p < end && written < pixels) {
      const n = (frame[p++] << 24) >> 24;
      if (n >= 0) {
        for (let i = 0; i <= n && written < pixels; i++, written++, o += bytesPerSample)
          out[o] = frame[p + i];
        p += n + 1;
      } else if (n !== -128) {
        const v = frame[p++];
        for (let i = 0; i < 1 - n && written < pixels; i++, written++, o += bytesPerSample) out[o] = v;
      }
    }
    if (written < pixels)
      throw new TesseraError('truncated-data', file, 'an RLE segment ends before the frame does');
  }
  return out;
}
