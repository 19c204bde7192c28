/** CRC-32 (IEEE, as zip and gzip use it), slicing-by-8 so a 100 MB checkpoint checks in well under a second. */
const TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++)
    for (let s = 1; s < 8; s++)
      t[s * 256 + i] = (t[(s - 1) * 256 + i] >>> 8) ^ t[t[(s - 1) * 256 + i] & 0xff];
  return t;
})();

/** crc32(bytes, previous crc) as zlib computes it */
export type Crc32 = (bytes: Uint8Array, crc?: number) => number;

let platformCrc32: Crc32 | null = null;

/**
 * Use the platform's CRC-32 from now on (Node's zlib.crc32: ~5× faster, on every checkpoint tensor read);
 * the CLI installs it. The browser has none and keeps the table-driven one below.
 */
export function installPlatformCrc32(fn: Crc32): void {
  platformCrc32 = fn;
}

export function crc32(bytes: Uint8Array, crc = 0): number {
  return platformCrc32 ? platformCrc32(bytes, crc) : tableCrc32(bytes, crc);
}

export function tableCrc32(bytes: Uint8Array, crc = 0): number {
  const t = TABLES;
  let c = ~crc >>> 0;
  let i = 0;
  const n = bytes.length;
  for (; i + 8 <= n; i += 8) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c =
      t[1792 + (c & 0xff)] ^
      t[1536 + ((c >>> 8) & 0xff)] ^
      t[1280 + ((c >>> 16) & 0xff)] ^
      t[1024 + (c >>> 24)] ^
      t[768 + bytes[i + 4]] ^
      t[512 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
