import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NpyArray, readNpy } from '../../src/core/io/volume/npy';

/** tests/fixtures: small generated inputs and expected outputs (generators in scripts/fixtures/). */
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

export function fixtureNpy(rel: string): NpyArray {
  const b = fs.readFileSync(path.join(FIXTURES, rel));
  return readNpy(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), rel);
}

export function fixtureJson<T = unknown>(rel: string): T {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, rel), 'utf8')) as T;
}
