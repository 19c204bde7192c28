/**
 * New DICOM UIDs: "2.25." followed by a random 128-bit UUID as a decimal integer (PS3.5 B.2), so no
 * registered root is needed and no two are alike.
 */
export function newUid(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // variant 1
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return `2.25.${n.toString()}`;
}

/** A UID as PS3.5 9.1 wants it: digits and dots, no leading zeros in a component, at most 64 characters. */
export function isValidUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 64 && /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/.test(uid);
}
