import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, installPlatformCrc32, tableCrc32 } from '../../../src/core/io/archive/crc32';

describe('crc32', () => {
  it('gives the check value of CRC-32/ISO-HDLC and chains like zlib', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect(tableCrc32(bytes)).toBe(0xcbf43926);
    expect(tableCrc32(bytes.subarray(4), tableCrc32(bytes.subarray(0, 4)))).toBe(0xcbf43926);
  });

  it('agrees with zlib.crc32 over lengths around the 8-byte stride, and uses it once installed', () => {
    const data = Uint8Array.from({ length: 4099 }, (_, i) => (i * 2654435761) >>> 24);
    for (const n of [0, 1, 7, 8, 9, 15, 16, 17, 1000, 4099])
      expect(tableCrc32(data.subarray(0, n)), `length ${n}`).toBe(zlib.crc32(data.subarray(0, n)));
    let calls = 0;
    installPlatformCrc32((b, c) => {
      calls++;
      return zlib.crc32(b, c);
    });
    expect(crc32(data, 0x1234)).toBe(tableCrc32(data, 0x1234));
    expect(calls).toBe(1);
  });
});
