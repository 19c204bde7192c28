import { axisKernel, restrictedKernel } from './axis-kernel';
import type { ResampleSpec, Slab } from './resample-plan';

/**
 * Linear / nearest resampling (order ≤ 1, separate-z order_z ≤ 1) evaluated as scipy does it, voxel
 * by voxel in float64: each corner's value times the weight of each axis in axis order, corners
 * summed in C order, skimage's clip, then `store` (a cast: Math.fround, or rounding to float16). The
 * result equals nnU-Net's bit for bit, so a float16 tie in the export argmax breaks the same way.
 * About as fast as the separable path for linear kernels (8 corners against 3 passes).
 */
export function canResampleExactly(spec: ResampleSpec): boolean {
  return spec.order <= 1 && (spec.axis === null || spec.orderZ <= 1);
}

export function resampleLinearExact(
  input: Float32Array,
  spec: ResampleSpec,
  slab: Slab,
  bounds: Float64Array,
  store: (v: number) => number,
): Float32Array {
  const { inShape, outShape } = spec;
  const ny = inShape[1];
  const nx = inShape[2];
  const sep = spec.axis;
  const orderOf = (a: number) => (a === sep ? spec.orderZ : spec.order);
  const kz = restrictedKernel(inShape[0], outShape[0], orderOf(0), slab.j0, slab.j1, slab.lo, slab.hi);
  const ky = axisKernel(ny, outShape[1], orderOf(1));
  const kx = axisKernel(nx, outShape[2], orderOf(2));
  const mz = slab.j1 - slab.j0;
  const my = outShape[1];
  const mx = outShape[2];
  const out = new Float32Array(mz * my * mx);

  if (sep === null) {
    const lo = bounds[0];
    const hi = bounds[1];
    const weighted = spec.order > 0;
    let o = 0;
    for (let z = 0; z < mz; z++)
      for (let y = 0; y < my; y++)
        for (let x = 0; x < mx; x++, o++) {
          let t = 0.0;
          for (let a = 0; a < kz.taps; a++) {
            const zo = kz.index[z * kz.taps + a] * ny;
            const wz = kz.weight[z * kz.taps + a];
            for (let b = 0; b < ky.taps; b++) {
              const row = (zo + ky.index[y * ky.taps + b]) * nx;
              const wy = ky.weight[y * ky.taps + b];
              for (let c = 0; c < kx.taps; c++) {
                let v = input[row + kx.index[x * kx.taps + c]];
                if (weighted) v = v * wz * wy * kx.weight[x * kx.taps + c];
                t += v;
              }
            }
          }
          out[o] = store(clip(t, lo, hi));
        }
    return out;
  }

  // separate-z: in-plane per slice across `sep` (clipped to that slice's range), then along `sep`
  const kernels = [kz, ky, kx];
  const ks = kernels[sep];
  const [p, q] = [0, 1, 2].filter((a) => a !== sep);
  const kp = kernels[p];
  const kq = kernels[q];
  const inStrides = [ny * nx, nx, 1];
  const firstSlice = sep === 0 ? slab.lo : 0;
  const planeValue = (slice: number, ip: number, iq: number): number => {
    let t = 0.0;
    const base = slice * inStrides[sep];
    for (let b = 0; b < kp.taps; b++) {
      const rowP = base + kp.index[ip * kp.taps + b] * inStrides[p];
      const wp = kp.weight[ip * kp.taps + b];
      for (let c = 0; c < kq.taps; c++) {
        let v = input[rowP + kq.index[iq * kq.taps + c] * inStrides[q]];
        if (spec.order > 0) v = v * wp * kq.weight[iq * kq.taps + c];
        t += v;
      }
    }
    const s = firstSlice + slice;
    return clip(t, bounds[2 * s], bounds[2 * s + 1]);
  };
  const sameAlong = inShape[sep] === outShape[sep];
  const pos = [0, 0, 0];
  let o = 0;
  for (let z = 0; z < mz; z++)
    for (let y = 0; y < my; y++)
      for (let x = 0; x < mx; x++, o++) {
        pos[0] = z;
        pos[1] = y;
        pos[2] = x;
        const j = pos[sep];
        if (sameAlong || ks.taps === 1) {
          const slice = sameAlong ? j + (sep === 0 ? slab.j0 - slab.lo : 0) : ks.index[j];
          out[o] = store(planeValue(slice, pos[p], pos[q]));
          continue;
        }
        const a = planeValue(ks.index[2 * j], pos[p], pos[q]) * ks.weight[2 * j];
        const b = planeValue(ks.index[2 * j + 1], pos[p], pos[q]) * ks.weight[2 * j + 1];
        out[o] = store(a + b);
      }
  return out;
}

/** np.clip of one value (NaN passes through). */
function clip(t: number, lo: number, hi: number): number {
  if (t < lo) return lo;
  if (t > hi) return hi;
  return t;
}
