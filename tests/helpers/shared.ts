import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzip } from '../../src/core/io/archive/gzip';
import { type NpyArray, readNpy } from '../../src/core/io/volume/npy';

/** ../shared beside the checkout: test data and nnU-Net reference outputs (read-only). */
export const SHARED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared');
export const REFERENCE = path.join(SHARED, 'reference');
export const DATA = path.join(SHARED, 'data');

export function sharedBytes(rel: string): Uint8Array {
  const buf = fs.readFileSync(path.join(SHARED, rel));
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function sharedJson<T = unknown>(rel: string): T {
  return JSON.parse(fs.readFileSync(path.join(SHARED, rel), 'utf8')) as T;
}

/** A reference .npy or .npy.gz. */
export async function referenceNpy(rel: string): Promise<NpyArray> {
  let bytes = sharedBytes(rel);
  if (rel.endsWith('.gz')) bytes = await gunzip(bytes, rel);
  return readNpy(bytes, rel);
}
