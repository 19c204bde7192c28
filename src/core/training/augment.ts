/**
 * The cheap part of nnU-Net's training augmentation (get_training_transforms), per sample, on the patch:
 * Gaussian noise (p 0.1, variance U(0, 0.1)), multiplicative brightness (p 0.15, ×[0.75, 1.25]), contrast
 * (p 0.15, [0.75, 1.25] around the mean, range preserved), gamma on the inverted image (p 0.1) and on the
 * image (p 0.3), γ ∈ [0.7, 1.5], statistics retained), mirroring (p 0.5 per allowed axis). Rotation
 * (p 0.2; ±30° per axis in 3-D, ±180° in-plane in 2-D) and scaling (p 0.2, ×[0.7, 1.4]) are optional: they
 * sample a larger region (spatialPatch) and resample it (linear for data, nearest for labels).
 * Gaussian blur and the low-resolution simulation are not done. Draws come from the engine's RNG, not
 * numpy's, so batches are nnU-Net-like, not identical.
 */
import type { Rng } from '../engine/random';

export interface AugmentOptions {
  /** Axes (0 = d, 1 = h, 2 = w) mirrored with p 0.5 each; [] = none. */
  mirrorAxes: number[];
  intensity: boolean;
  /** Rotation and scaling (see spatialPatch for the region to sample). */
  spatial: boolean;
  /** 2-D network: rotate in-plane only. */
  is2d: boolean;
}

/** nnU-Net's BGContrast range sampling: half the time below 1, half above. */
function bgContrast(rng: Rng, lo: number, hi: number): number {
  if (rng.next() < 0.5 && lo < 1) return rng.uniform(lo, 1);
  return rng.uniform(Math.max(lo, 1), hi);
}

function meanStd(x: Float32Array): [number, number] {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const m = s / x.length;
  let q = 0;
  for (let i = 0; i < x.length; i++) q += (x[i] - m) ** 2;
  return [m, Math.sqrt(q / x.length)];
}

function gamma(x: Float32Array, g: number, invert: boolean): void {
  if (invert) for (let i = 0; i < x.length; i++) x[i] = -x[i];
  const [m, sd] = meanStd(x);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i++) {
    lo = Math.min(lo, x[i]);
    hi = Math.max(hi, x[i]);
  }
  const range = hi - lo;
  for (let i = 0; i < x.length; i++) x[i] = ((x[i] - lo) / (range + 1e-7)) ** g * range + lo;
  const [m2, sd2] = meanStd(x);
  for (let i = 0; i < x.length; i++) x[i] = ((x[i] - m2) / (sd2 + 1e-8)) * sd + m;
  if (invert) for (let i = 0; i < x.length; i++) x[i] = -x[i];
}

/** Intensity transforms on one sample's channels (each a (d, h, w) view). */
export function augmentIntensity(channels: Float32Array[], rng: Rng): void {
  if (rng.next() < 0.1) {
    const sigma = Math.sqrt(rng.uniform(0, 0.1));
    for (const ch of channels) for (let i = 0; i < ch.length; i++) ch[i] += rng.normal() * sigma;
  }
  if (rng.next() < 0.15)
    for (const ch of channels) {
      const f = bgContrast(rng, 0.75, 1.25);
      for (let i = 0; i < ch.length; i++) ch[i] *= f;
    }
  if (rng.next() < 0.15)
    for (const ch of channels) {
      const f = bgContrast(rng, 0.75, 1.25);
      const [m] = meanStd(ch);
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < ch.length; i++) {
        lo = Math.min(lo, ch[i]);
        hi = Math.max(hi, ch[i]);
      }
      for (let i = 0; i < ch.length; i++) ch[i] = Math.min(hi, Math.max(lo, (ch[i] - m) * f + m));
    }
  if (rng.next() < 0.1) for (const ch of channels) gamma(ch, bgContrast(rng, 0.7, 1.5), true);
  if (rng.next() < 0.3) for (const ch of channels) gamma(ch, bgContrast(rng, 0.7, 1.5), false);
}

/** Flip the sample (channels and labels) along each allowed axis with p 0.5. */
export function augmentMirror(
  channels: Float32Array[],
  seg: Int16Array,
  shape: readonly number[],
  axes: readonly number[],
  rng: Rng,
): void {
  for (const axis of axes) if (rng.next() < 0.5) for (const a of [...channels, seg]) flip(a, shape, axis);
}

function flip(a: Float32Array | Int16Array, shape: readonly number[], axis: number): void {
  const [D, H, W] = shape;
  const strides = [H * W, W, 1];
  const n = shape[axis];
  const outer = axis === 0 ? 1 : axis === 1 ? D : D * H;
  const inner = strides[axis];
  const step = n * inner;
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < Math.floor(n / 2); k++) {
      const i0 = o * step + k * inner;
      const i1 = o * step + (n - 1 - k) * inner;
      for (let q = 0; q < inner; q++) {
        const t = a[i0 + q];
        a[i0 + q] = a[i1 + q];
        a[i1 + q] = t;
      }
    }
}

/**
 * The region to sample when rotation/scaling may follow: nnU-Net's get_patch_size — the bounding box of
 * the patch rotated by the largest angles, divided by the smallest scale (0.85 in nnU-Net's call).
 */
export function spatialPatch(patch: [number, number, number], is2d: boolean): [number, number, number] {
  const rot = is2d ? Math.PI : (30 / 180) * Math.PI;
  const c = Math.abs(Math.cos(Math.min(rot, Math.PI / 4)));
  const s = Math.abs(Math.sin(Math.min(rot, Math.PI / 4)));
  const grow = (a: number, b: number) => Math.max(a, a * c + b * s);
  let [d, h, w] = patch;
  if (is2d) {
    [h, w] = [grow(h, w), grow(w, h)];
  } else {
    const [d0, h0, w0] = [d, h, w];
    d = Math.max(grow(d0, h0), grow(d0, w0));
    h = Math.max(grow(h0, d0), grow(h0, w0));
    w = Math.max(grow(w0, d0), grow(w0, h0));
  }
  const grown = [d, h, w].map((v) => Math.round(v / 0.85));
  return [is2d ? patch[0] : grown[0], grown[1], grown[2]];
}

/**
 * Rotation (p 0.2) and scaling (p 0.2) of a sample sampled at `src` size into the `dst` patch around the
 * centres; without either, a centre crop. Returns new arrays.
 */
export function augmentSpatial(
  channels: Float32Array[],
  seg: Int16Array,
  src: readonly number[],
  dst: readonly number[],
  is2d: boolean,
  rng: Rng,
): { channels: Float32Array[]; seg: Int16Array } {
  let m = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  if (rng.next() < 0.2) {
    const r = (lim: number) => rng.uniform(-lim, lim);
    const lim = (30 / 180) * Math.PI;
    // 2-D: in-plane (h, w) only
    m = is2d ? rot('hw', r(Math.PI)) : mul(mul(rot('hw', r(lim)), rot('dw', r(lim))), rot('dh', r(lim)));
  }
  if (rng.next() < 0.2) {
    const f = rng.next() < 0.5 ? rng.uniform(0.7, 1) : rng.uniform(1, 1.4);
    m = m.map((v) => v * f);
  }
  const [sd, sh, sw] = src;
  const [dd, dh, dw] = dst;
  const cs = src.map((v) => (v - 1) / 2);
  const cd = dst.map((v) => (v - 1) / 2);
  const n = dd * dh * dw;
  const outCh = channels.map(() => new Float32Array(n));
  const outSeg = new Int16Array(n).fill(-1);
  const identity = m.every((v, i) => v === [1, 0, 0, 0, 1, 0, 0, 0, 1][i]);
  let o = 0;
  for (let z = 0; z < dd; z++)
    for (let y = 0; y < dh; y++)
      for (let x = 0; x < dw; x++, o++) {
        const p = [z - cd[0], y - cd[1], x - cd[2]];
        const q = identity
          ? [p[0] + cs[0], p[1] + cs[1], p[2] + cs[2]]
          : [0, 1, 2].map((r) => m[3 * r] * p[0] + m[3 * r + 1] * p[1] + m[3 * r + 2] * p[2] + cs[r]);
        if (is2d) q[0] = z;
        const nz = Math.round(q[0]);
        const ny = Math.round(q[1]);
        const nx = Math.round(q[2]);
        if (nz >= 0 && nz < sd && ny >= 0 && ny < sh && nx >= 0 && nx < sw)
          outSeg[o] = seg[(nz * sh + ny) * sw + nx];
        const z0 = Math.floor(q[0]);
        const y0 = Math.floor(q[1]);
        const x0 = Math.floor(q[2]);
        const fz = q[0] - z0;
        const fy = q[1] - y0;
        const fx = q[2] - x0;
        for (let c = 0; c < channels.length; c++) {
          const a = channels[c];
          let v = 0;
          for (let k = 0; k < 8; k++) {
            const zz = z0 + (k >> 2);
            const yy = y0 + ((k >> 1) & 1);
            const xx = x0 + (k & 1);
            if (zz < 0 || zz >= sd || yy < 0 || yy >= sh || xx < 0 || xx >= sw) continue;
            const wgt = (k >> 2 ? fz : 1 - fz) * ((k >> 1) & 1 ? fy : 1 - fy) * (k & 1 ? fx : 1 - fx);
            if (wgt !== 0) v += wgt * a[(zz * sh + yy) * sw + xx];
          }
          outCh[c][o] = v;
        }
      }
  return { channels: outCh, seg: outSeg };
}

/** Rotation by a in one coordinate plane of (d, h, w), row-major 3×3. */
function rot(plane: 'hw' | 'dw' | 'dh', a: number): number[] {
  const c = Math.cos(a);
  const s = Math.sin(a);
  if (plane === 'dh') return [c, -s, 0, s, c, 0, 0, 0, 1];
  if (plane === 'dw') return [c, 0, s, 0, 1, 0, -s, 0, c];
  return [1, 0, 0, 0, c, -s, 0, s, c];
}

function mul(a: number[], b: number[]): number[] {
  const out = new Array(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[3 * i + j] += a[3 * i + k] * b[3 * k + j];
  return out;
}
