import { floatToHalfBits, HALF_VALUES, roundToHalf } from '../../pycompat/float16';
import { type AxisKernel, axisKernel, restrictedKernel } from '../../resampling/axis-kernel';
import type { ResampleSpec, Slab } from '../../resampling/resample-plan';

/**
 * The export's argmax over K resampled channels without resampling every channel everywhere.
 *
 * Linear and nearest resampling (nnU-Net's probability kwargs) put every output value between the
 * smallest and largest input voxel it is made from (clipping included: it only pulls a value back
 * into the channel's range). So for each input cell (the 2×2×2 box of voxels an output reads) the
 * winner's value is at least L = max over channels of their smallest voxel in the box, and a channel
 * whose largest voxel in the box lies clearly below L (more than two float16 steps: rounding cannot
 * close the gap) cannot win, not even a tie. Only the remaining candidates are evaluated, each with
 * exactly the arithmetic of resampleLinearExact (scipy's corner order, float64, clip, cast), in channel
 * order with a strict comparison: labels are bit-identical to resampling all channels and taking the
 * first maximum, as np.argmax / torch.argmax do.
 *
 * Away from organ borders one channel dominates a cell, so the cost is about one channel's resampling
 * instead of K.
 */

/** At most this many candidates are listed per cell; a cell with more evaluates every channel. */
const MAX_CANDIDATES = 31;
/** A cell row whose cells keep more than this fraction of the channels on average is evaluated whole. */
const FLAT_FRACTION = 1 / 3;
const FLAT_RECHECK = 8;

/** Whether the pruned argmax applies: linear / nearest kernels only (the bound needs a convex sum). */
export function canArgmaxPruned(spec: ResampleSpec): boolean {
  return spec.order <= 1 && (spec.axis === null || spec.orderZ <= 1);
}

/**
 * Labels for output rows [slab.j0, slab.j1) from `logits` (one array per channel holding input rows
 * [slab.lo, slab.hi)), into `out` (length rows × output plane). `bounds[c]` is skimage's clip range
 * (pairs per slice across the separate axis); `store` is the cast of the resampled array's dtype.
 */
export function argmaxSlabPruned(
  logits: Float32Array[],
  spec: ResampleSpec,
  slab: Slab,
  bounds: Float64Array[],
  store: (v: number) => number,
  out: Uint8Array | Uint16Array,
): void {
  const K = logits.length;
  const { inShape, outShape } = spec;
  const ny = inShape[1];
  const nx = inShape[2];
  const rows = slab.hi - slab.lo;
  const sep = spec.axis;
  const orderOf = (a: number) => (a === sep ? spec.orderZ : spec.order);
  const kz = restrictedKernel(inShape[0], outShape[0], orderOf(0), slab.j0, slab.j1, slab.lo, slab.hi);
  const ky = axisKernel(ny, outShape[1], orderOf(1));
  const kx = axisKernel(nx, outShape[2], orderOf(2));
  const mz = slab.j1 - slab.j0;
  const my = outShape[1];
  const mx = outShape[2];
  // the cell (first row of the 2-row box) each output index reads, per axis
  const sameZ = sep === 0 && inShape[0] === outShape[0];
  const cz = sameZ
    ? Int32Array.from({ length: mz }, (_, j) => j + slab.j0 - slab.lo)
    : cellIndex(kz.index, kz.weight, kz.taps, mz, orderOf(0));
  const cy =
    sep === 1 && inShape[1] === outShape[1]
      ? Int32Array.from({ length: my }, (_, j) => j)
      : cellIndex(ky.index, ky.weight, ky.taps, my, orderOf(1));
  const cx =
    sep === 2 && inShape[2] === outShape[2]
      ? Int32Array.from({ length: mx }, (_, j) => j)
      : cellIndex(kx.index, kx.weight, kx.taps, mx, orderOf(2));
  if (!cz || !cy || !cx) throw new Error('argmaxSlabPruned: a kernel reads more than two neighbours');

  const plane = ny * nx;
  const count = new Uint8Array(plane);
  const list = new Uint16Array(plane * MAX_CANDIDATES);
  const lower = new Float64Array(plane);
  const boxMin = new Float32Array(plane);
  const boxMax = new Float32Array(plane);
  const trilinear = sep === null && spec.order === 1 && kz.taps === 2 && ky.taps === 2 && kx.taps === 2;
  const value = sep === null ? linearValue(spec, kz, ky, kx, ny, nx) : separateValue(spec, kz, ky, kx, slab);
  // channel-last copy for the inlined case: a corner's K values sit together (one cache line, not K)
  let interleaved: Float32Array | null = null;
  if (trilinear) {
    interleaved = new Float32Array(rows * plane * K);
    for (let c = 0; c < K; c++) {
      const ch = logits[c];
      for (let i = 0, j = c; i < rows * plane; i++, j += K) interleaved[j] = ch[i];
    }
  }
  // Flat logits (an undertrained model: most channels within float16 steps of each other) leave most
  // cells with every channel; there, listing candidates is wasted and the all-channel row is faster.
  let cellRow = -1;
  let flat = false;
  let sinceCheck = 0;
  let o = 0;
  const sums = trilinear ? new Float64Array(nx * K) : null;
  // the whole-row kernel's per-channel clip bounds and estimate margin
  const lo = trilinear ? Float64Array.from(bounds, (b) => b[0]) : null;
  const hi = trilinear ? Float64Array.from(bounds, (b) => b[1]) : null;
  const slack = trilinear ? estimateSlack(logits) : null;
  for (let z = 0; z < mz; z++) {
    const r = cz[z];
    if (r !== cellRow) {
      cellRow = r;
      // a flat row is re-checked every FLAT_RECHECK cell rows (the anatomy may sharpen further on)
      if (!flat || !trilinear || ++sinceCheck >= FLAT_RECHECK) {
        sinceCheck = 0;
        const mean = candidates(
          logits,
          r,
          Math.min(r + 1, rows - 1),
          ny,
          nx,
          boxMin,
          boxMax,
          lower,
          count,
          list,
        );
        flat = mean > K * FLAT_FRACTION;
      }
    }
    if (trilinear && flat) {
      o = trilinearRowAll(interleaved!, K, lo!, hi!, slack!, store, kz, ky, kx, z, ny, nx, sums!, out, o);
      continue;
    }
    if (trilinear) {
      o = trilinearRow(interleaved!, K, bounds, store, kz, ky, kx, z, ny, nx, cy, cx, count, list, out, o);
      continue;
    }
    for (let y = 0; y < my; y++) {
      const cellY = cy[y] * nx;
      for (let x = 0; x < mx; x++, o++) {
        const cell = cellY + cx[x];
        const n = count[cell];
        const every = n > MAX_CANDIDATES;
        const m = every ? K : n;
        const base = cell * MAX_CANDIDATES;
        let label = every ? 0 : list[base];
        let best = store(value(logits[label], bounds[label], z, y, x));
        // the first channel holding the maximum wins: only a strictly larger value moves the label
        for (let i = 1; i < m; i++) {
          const c = every ? i : list[base + i];
          const v = store(value(logits[c], bounds[c], z, y, x));
          if (v > best) {
            best = v;
            label = c;
          }
        }
        out[o] = label;
      }
    }
  }
}

/**
 * The box's first index per output along an axis, from the taps that carry weight (a clamped
 * zero-weight tap reads nothing). Null if some output reads two indices more than one apart.
 */
function cellIndex(
  index: Int32Array,
  weight: Float64Array,
  taps: number,
  m: number,
  order: number,
): Int32Array | null {
  const out = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < taps; t++) {
      if (order > 0 && weight[j * taps + t] === 0) continue;
      const i = index[j * taps + t];
      if (i < lo) lo = i;
      if (i > hi) hi = i;
    }
    if (lo === Number.POSITIVE_INFINITY) lo = hi = index[j * taps];
    if (hi - lo > 1) return null;
    out[j] = lo;
  }
  return out;
}

/**
 * For every cell of input rows (r0, r1): the channels that can win there, in channel order
 * (count > MAX_CANDIDATES: all of them). A channel is dropped when its box maximum lies below the
 * largest box minimum by more than two float16 steps of that value plus the subnormal step: then
 * even after rounding both to float16 (or float32) it is strictly smaller.
 */
function candidates(
  logits: Float32Array[],
  r0: number,
  r1: number,
  ny: number,
  nx: number,
  boxMin: Float32Array,
  boxMax: Float32Array,
  lower: Float64Array,
  count: Uint8Array,
  list: Uint16Array,
): number {
  const plane = ny * nx;
  lower.fill(Number.NEGATIVE_INFINITY);
  for (const ch of logits) {
    box(ch, r0 * plane, r1 * plane, ny, nx, boxMin, boxMax);
    for (let i = 0; i < plane; i++) if (boxMin[i] > lower[i]) lower[i] = boxMin[i];
  }
  for (let i = 0; i < plane; i++) {
    const l = lower[i];
    // NaN / infinite bounds: keep everything (-inf threshold)
    lower[i] = Number.isFinite(l) ? l - (Math.abs(l) * 2 ** -8 + 2 ** -20) : Number.NEGATIVE_INFINITY;
  }
  count.fill(0);
  for (let c = 0; c < logits.length; c++) {
    box(logits[c], r0 * plane, r1 * plane, ny, nx, boxMin, boxMax);
    for (let i = 0; i < plane; i++) {
      const m = boxMax[i];
      if (Number.isNaN(m)) count[i] = MAX_CANDIDATES + 1;
      if (m < lower[i]) continue;
      const n = count[i];
      if (n < MAX_CANDIDATES) list[i * MAX_CANDIDATES + n] = c;
      if (n <= MAX_CANDIDATES) count[i] = n + 1;
    }
  }
  let total = 0;
  for (let i = 0; i < plane; i++) total += count[i] > MAX_CANDIDATES ? logits.length : count[i];
  return total / plane;
}

/** Minimum and maximum over the 2×2×2 box at each (y, x) of rows at offsets a and b (clamped at the edges). */
function box(
  ch: Float32Array,
  a: number,
  b: number,
  ny: number,
  nx: number,
  boxMin: Float32Array,
  boxMax: Float32Array,
): void {
  // along z, then x, then y, in place; a NaN sticks (its cell then keeps every channel)
  for (let i = 0; i < ny * nx; i++) {
    const u = ch[a + i];
    const v = ch[b + i];
    boxMin[i] = u < v || Number.isNaN(u) ? u : v;
    boxMax[i] = u > v || Number.isNaN(u) ? u : v;
  }
  for (let y = 0; y < ny; y++) {
    const row = y * nx;
    for (let x = 0; x < nx - 1; x++) {
      const i = row + x;
      const mn = boxMin[i + 1];
      const mxv = boxMax[i + 1];
      if (mn < boxMin[i] || Number.isNaN(mn)) boxMin[i] = mn;
      if (mxv > boxMax[i] || Number.isNaN(mxv)) boxMax[i] = mxv;
    }
  }
  for (let y = 0; y < ny - 1; y++) {
    const row = y * nx;
    for (let x = 0; x < nx; x++) {
      const i = row + x;
      const mn = boxMin[i + nx];
      const mxv = boxMax[i + nx];
      if (mn < boxMin[i] || Number.isNaN(mn)) boxMin[i] = mn;
      if (mxv > boxMax[i] || Number.isNaN(mxv)) boxMax[i] = mxv;
    }
  }
}

/**
 * One output row (z) of the common case, a 3-D linear resize with two taps per axis, inlined: the
 * same products and sums in the same order as linearValue (scipy's corner order), per candidate.
 */
function trilinearRow(
  a: Float32Array,
  K: number,
  bounds: Float64Array[],
  store: (v: number) => number,
  kz: AxisKernel,
  ky: AxisKernel,
  kx: AxisKernel,
  z: number,
  ny: number,
  nx: number,
  cy: Int32Array,
  cx: Int32Array,
  count: Uint8Array,
  list: Uint16Array,
  out: Uint8Array | Uint16Array,
  o: number,
): number {
  const z0 = kz.index[2 * z] * ny;
  const z1 = kz.index[2 * z + 1] * ny;
  const wz0 = kz.weight[2 * z];
  const wz1 = kz.weight[2 * z + 1];
  const yi = ky.index;
  const yw = ky.weight;
  const xi = kx.index;
  const xw = kx.weight;
  const my = ky.outLen;
  const mx = kx.outLen;
  const half = store === roundToHalf;
  for (let y = 0; y < my; y++) {
    const r00 = (z0 + yi[2 * y]) * nx;
    const r01 = (z0 + yi[2 * y + 1]) * nx;
    const r10 = (z1 + yi[2 * y]) * nx;
    const r11 = (z1 + yi[2 * y + 1]) * nx;
    // a (z, y, x) voxel's channel c is at (voxel) * K + c
    const wy0 = yw[2 * y];
    const wy1 = yw[2 * y + 1];
    const cellY = cy[y] * nx;
    for (let x = 0; x < mx; x++, o++) {
      const x0 = xi[2 * x];
      const x1 = xi[2 * x + 1];
      const p000 = (r00 + x0) * K;
      const p001 = (r00 + x1) * K;
      const p010 = (r01 + x0) * K;
      const p011 = (r01 + x1) * K;
      const p100 = (r10 + x0) * K;
      const p101 = (r10 + x1) * K;
      const p110 = (r11 + x0) * K;
      const p111 = (r11 + x1) * K;
      const wx0 = xw[2 * x];
      const wx1 = xw[2 * x + 1];
      const cell = cellY + cx[x];
      const n = count[cell];
      const every = n > MAX_CANDIDATES;
      const m = every ? K : n;
      const base = cell * MAX_CANDIDATES;
      let label = 0;
      // the smallest value that rounds (float16) above the best so far, and whether reaching it suffices
      let above = Number.NEGATIVE_INFINITY;
      let reach = false;
      for (let i = 0; i < m; i++) {
        const c = every ? i : list[base + i];
        let t = a[p000 + c] * wz0 * wy0 * wx0;
        t += a[p001 + c] * wz0 * wy0 * wx1;
        t += a[p010 + c] * wz0 * wy1 * wx0;
        t += a[p011 + c] * wz0 * wy1 * wx1;
        t += a[p100 + c] * wz1 * wy0 * wx0;
        t += a[p101 + c] * wz1 * wy0 * wx1;
        t += a[p110 + c] * wz1 * wy1 * wx0;
        t += a[p111 + c] * wz1 * wy1 * wx1;
        const b = bounds[c];
        const v = t < b[0] ? b[0] : t > b[1] ? b[1] : t;
        // the first channel holding the maximum wins: only a value whose cast is strictly larger moves
        // the label (compared before the cast: the cast is needed only when the label moves)
        if (i === 0 || v > above || (reach && v === above)) {
          label = c;
          if (half) {
            const h = roundToHalf(v);
            above = halfMidpointAbove(h);
            reach = (floatToHalfBits(h) & 1) === 1;
          } else {
            above = store(v);
            reach = false;
          }
        }
      }
      out[o] = label;
    }
  }
  return o;
}

/**
 * trilinearRow for a row where every channel is evaluated, with the same result and less work. Per output
 * row the four corner rows are blended once per input voxel and channel (S = Σ value × wz × wy over the
 * (z, y) corners, float64, `sums`: nx × K), and each output voxel first takes the cheap estimate
 * wx0 × S(x0) + wx1 × S(x1): scipy's sum reassociated, within `slack` of it (a float64 rounding bound).
 * A channel whose estimate is clearly below the running best is dropped; any other is evaluated exactly
 * as trilinearRow does (scipy's corner order) and judged on that value — so the labels are the exact
 * ones, and the exact sum runs only for the few channels that set a new best or nearly tie it.
 */
function trilinearRowAll(
  a: Float32Array,
  K: number,
  lo: Float64Array,
  hi: Float64Array,
  slack: number,
  store: (v: number) => number,
  kz: AxisKernel,
  ky: AxisKernel,
  kx: AxisKernel,
  z: number,
  ny: number,
  nx: number,
  sums: Float64Array,
  out: Uint8Array | Uint16Array,
  o: number,
): number {
  const z0 = kz.index[2 * z] * ny;
  const z1 = kz.index[2 * z + 1] * ny;
  const wz0 = kz.weight[2 * z];
  const wz1 = kz.weight[2 * z + 1];
  const xi = kx.index;
  const xw = kx.weight;
  const my = ky.outLen;
  const mx = kx.outLen;
  const half = store === roundToHalf;
  const span = nx * K;
  for (let y = 0; y < my; y++) {
    const wy0 = ky.weight[2 * y];
    const wy1 = ky.weight[2 * y + 1];
    const w00 = wz0 * wy0;
    const w01 = wz0 * wy1;
    const w10 = wz1 * wy0;
    const w11 = wz1 * wy1;
    const r00 = (z0 + ky.index[2 * y]) * span;
    const r01 = (z0 + ky.index[2 * y + 1]) * span;
    const r10 = (z1 + ky.index[2 * y]) * span;
    const r11 = (z1 + ky.index[2 * y + 1]) * span;
    for (let i = 0; i < span; i++)
      sums[i] = a[r00 + i] * w00 + a[r01 + i] * w01 + a[r10 + i] * w10 + a[r11 + i] * w11;
    for (let x = 0; x < mx; x++, o++) {
      const b0 = xi[2 * x] * K;
      const b1 = xi[2 * x + 1] * K;
      const wx0 = xw[2 * x];
      const wx1 = xw[2 * x + 1];
      let label = 0;
      let above = Number.NEGATIVE_INFINITY;
      let reach = false;
      let floor = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < K; c++) {
        // clearly below the best: dropped (NaN: it never wins either). Clipping is left out of the
        // estimate: it only moves a value back into the channel's range, by less than the slack.
        if (c > 0 && !(sums[b0 + c] * wx0 + sums[b1 + c] * wx1 >= floor)) continue;
        // scipy's order, as trilinearRow
        let t = a[r00 + b0 + c] * wz0 * wy0 * wx0;
        t += a[r00 + b1 + c] * wz0 * wy0 * wx1;
        t += a[r01 + b0 + c] * wz0 * wy1 * wx0;
        t += a[r01 + b1 + c] * wz0 * wy1 * wx1;
        t += a[r10 + b0 + c] * wz1 * wy0 * wx0;
        t += a[r10 + b1 + c] * wz1 * wy0 * wx1;
        t += a[r11 + b0 + c] * wz1 * wy1 * wx0;
        t += a[r11 + b1 + c] * wz1 * wy1 * wx1;
        const v = t < lo[c] ? lo[c] : t > hi[c] ? hi[c] : t;
        // first maximum wins, compared on the float16 cast (see trilinearRow)
        if (c === 0 || v > above || (reach && v === above)) {
          label = c;
          if (half) {
            const h = roundToHalf(v);
            above = halfMidpointAbove(h);
            reach = (floatToHalfBits(h) & 1) === 1;
          } else {
            above = store(v);
            reach = false;
          }
          floor = above - slack;
        }
      }
      out[o] = label;
    }
  }
  return o;
}

/**
 * A bound on |estimate − exact| for trilinearRowAll: both are sums of eight products
 * value × weights (weights ≥ 0, summing to 1), so each differs from the true sum by a few float64 ulps
 * of the largest |value| (≤ 11 roundings × 2^-53); 2^-40 × max |value| is a wide margin. Non-finite
 * values: infinite slack (every channel evaluated exactly).
 */
function estimateSlack(logits: Float32Array[]): number {
  let m = 0;
  for (const ch of logits)
    for (let i = 0; i < ch.length; i++) {
      const v = Math.abs(ch[i]);
      if (v > m) m = v;
      else if (!(v <= m)) return Number.POSITIVE_INFINITY; // NaN
    }
  return m === Number.POSITIVE_INFINITY ? m : m * 2 ** -40;
}

/**
 * The midpoint between half h and the next half above it: a value rounds (to nearest, ties to even)
 * above h iff it is beyond this point, or on it when h's last mantissa bit is odd. NaN stays NaN (nothing
 * beats it, as in the comparison of cast values).
 */
function halfMidpointAbove(h: number): number {
  if (Number.isNaN(h) || h === Number.POSITIVE_INFINITY) return h;
  if (h === Number.NEGATIVE_INFINITY) return -65520;
  const bits = floatToHalfBits(h);
  // next half towards +∞: one more in magnitude for positive (and +0), one less for negative
  const next = bits === 0x8000 ? 1 : bits & 0x8000 ? bits - 1 : bits + 1;
  const nextValue = next === 0x7c00 ? 65536 : HALF_VALUES[next];
  return (h + nextValue) / 2;
}

type VoxelValue = (input: Float32Array, bounds: Float64Array, z: number, y: number, x: number) => number;

/** One output voxel of a 3-D linear / nearest resize, as resampleLinearExact computes it (before the cast). */
function linearValue(
  spec: ResampleSpec,
  kz: AxisKernel,
  ky: AxisKernel,
  kx: AxisKernel,
  ny: number,
  nx: number,
): VoxelValue {
  const weighted = spec.order > 0;
  const tz = kz.taps;
  const ty = ky.taps;
  const tx = kx.taps;
  const zi = kz.index;
  const zw = kz.weight;
  const yi = ky.index;
  const yw = ky.weight;
  const xi = kx.index;
  const xw = kx.weight;
  return (input, bounds, z, y, x) => {
    let t = 0.0;
    for (let a = 0; a < tz; a++) {
      const zo = zi[z * tz + a] * ny;
      const wz = zw[z * tz + a];
      for (let b = 0; b < ty; b++) {
        const row = (zo + yi[y * ty + b]) * nx;
        const wy = yw[y * ty + b];
        for (let c = 0; c < tx; c++) {
          let v = input[row + xi[x * tx + c]];
          if (weighted) v = v * wz * wy * xw[x * tx + c];
          t += v;
        }
      }
    }
    const lo = bounds[0];
    const hi = bounds[1];
    return t < lo ? lo : t > hi ? hi : t;
  };
}

/** One output voxel of the separate-z resampling (in-plane per slice, clipped per slice, then along the axis). */
function separateValue(
  spec: ResampleSpec,
  kz: AxisKernel,
  ky: AxisKernel,
  kx: AxisKernel,
  slab: Slab,
): VoxelValue {
  const sep = spec.axis as 0 | 1 | 2;
  const [, ny, nx] = spec.inShape;
  const kernels = [kz, ky, kx];
  const ks = kernels[sep];
  const [p, q] = [0, 1, 2].filter((a) => a !== sep);
  const kp = kernels[p];
  const kq = kernels[q];
  const strides = [ny * nx, nx, 1];
  const sp = strides[p];
  const sq = strides[q];
  const ss = strides[sep];
  const firstSlice = sep === 0 ? slab.lo : 0;
  const weighted = spec.order > 0;
  const sameAlong = spec.inShape[sep] === spec.outShape[sep];
  const shift = sep === 0 ? slab.j0 - slab.lo : 0;
  const plane = (input: Float32Array, bounds: Float64Array, slice: number, ip: number, iq: number) => {
    let t = 0.0;
    const base = slice * ss;
    for (let b = 0; b < kp.taps; b++) {
      const rowP = base + kp.index[ip * kp.taps + b] * sp;
      const wp = kp.weight[ip * kp.taps + b];
      for (let c = 0; c < kq.taps; c++) {
        let v = input[rowP + kq.index[iq * kq.taps + c] * sq];
        if (weighted) v = v * wp * kq.weight[iq * kq.taps + c];
        t += v;
      }
    }
    const s = firstSlice + slice;
    const lo = bounds[2 * s];
    const hi = bounds[2 * s + 1];
    return t < lo ? lo : t > hi ? hi : t;
  };
  const pos = [0, 0, 0];
  return (input, bounds, z, y, x) => {
    pos[0] = z;
    pos[1] = y;
    pos[2] = x;
    const j = pos[sep];
    const ip = pos[p];
    const iq = pos[q];
    if (sameAlong || ks.taps === 1) {
      const slice = sameAlong ? j + shift : ks.index[j];
      return plane(input, bounds, slice, ip, iq);
    }
    const a = plane(input, bounds, ks.index[2 * j], ip, iq) * ks.weight[2 * j];
    const b = plane(input, bounds, ks.index[2 * j + 1], ip, iq) * ks.weight[2 * j + 1];
    return a + b;
  };
}
