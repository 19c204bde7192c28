import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../../src/core/engine/random';

export const ENGINE_FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/engine',
);

export function dirReader(dir: string) {
  return async (f: string) => {
    const b = fs.readFileSync(path.join(dir, f));
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  };
}

export function randn(n: number, seed: number, scale = 1): Float32Array {
  const r = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r.normal() * scale;
  return a;
}

export function randLabels(n: number, classes: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r.int(classes);
  return a;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max|a − b| / max|b|. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return maxAbsDiff(a, b) / Math.max(maxAbs(b), 1e-30);
}

/** Σ r·y in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
