/**
 * B-spline interpolation as scipy.ndimage (1.10) does it for mode 'nearest': the input is padded by
 * PREPAD edge copies on each side, the padded line is prefiltered with the 'reflect' boundary
 * initialisation, and the interpolation weights come from the same piecewise polynomials. Everything
 * here is one-dimensional; the resampler applies it axis by axis (tensor-product splines separate).
 */

/** scipy pads by 12 edge values before prefiltering in mode 'nearest' (order > 1 only). */
export const PREPAD = 12;

/** Poles of the B-spline prefilter of each order (scipy's get_filter_poles). */
export function splinePoles(order: number): number[] {
  switch (order) {
    case 2:
      return [-0.1715728752538099];
    case 3:
      return [-0.2679491924311227];
    case 4:
      return [-0.36134122590022016, -0.013725429297339121];
    case 5:
      return [-0.4305753470999738, -0.04309628820326465];
    default:
      return [];
  }
}

/** Beyond this power of the pole a term cannot reach float32 results (|z|^k far below 2^-53). */
const NEGLIGIBLE = 1e-22;

/**
 * Prefilter `c[k*width + q]`, k < n, in place, for `width` interleaved lines q: the recursive filter of order `order` with reflect boundary initialisation. `width` > 1
 * lets the resampler filter many columns at once while reading memory sequentially. `exact` sums the
 * boundary initialisation over the whole line as scipy does, instead of stopping where the terms
 * can no longer reach a float32 result.
 */
export function prefilterLines(
  c: Float64Array,
  n: number,
  width: number,
  order: number,
  acc: Float64Array,
  exact = false,
): void {
  if (n < 2) return;
  const poles = splinePoles(order);
  let gain = 1.0;
  for (const z of poles) gain *= (1.0 - z) * (1.0 - 1.0 / z);
  const total = n * width;
  for (let i = 0; i < total; i++) c[i] *= gain;
  const last = (n - 1) * width;
  for (const z of poles) {
    // causal initialisation for a reflected signal (scipy _init_causal_reflect)
    const zn = z ** n;
    const scale = z / (1 - zn * zn);
    for (let q = 0; q < width; q++) acc[q] = c[q] + zn * c[last + q];
    let zi = z;
    for (let i = 1; i < n && (exact || Math.abs(zi) > NEGLIGIBLE); i++) {
      const a = i * width;
      const b = (n - 1 - i) * width;
      for (let q = 0; q < width; q++) acc[q] += zi * (c[a + q] + zn * c[b + q]);
      zi *= z;
    }
    for (let q = 0; q < width; q++) c[q] += acc[q] * scale;
    // causal pass
    for (let i = 1; i < n; i++) {
      const a = i * width;
      const b = a - width;
      for (let q = 0; q < width; q++) c[a + q] += z * c[b + q];
    }
    // anticausal initialisation and pass
    const k = z / (z - 1);
    for (let q = 0; q < width; q++) c[last + q] *= k;
    for (let i = n - 2; i >= 0; i--) {
      const a = i * width;
      const b = a + width;
      for (let q = 0; q < width; q++) c[a + q] = z * (c[b + q] - c[a + q]);
    }
  }
}

/**
 * Interpolation weights of a spline of `order` at coordinate x (scipy's
 * get_spline_interpolation_weights): `order + 1` values for the taps starting at splineStart(x).
 */
export function splineWeights(x: number, order: number, out: Float64Array | number[]): void {
  x -= Math.floor(order & 1 ? x : x + 0.5);
  let y = x;
  let z = 1.0 - x;
  let t: number;
  switch (order) {
    case 0:
      out[0] = 1;
      return;
    case 1:
      out[0] = 1.0 - x;
      break;
    case 2:
      out[1] = 0.75 - x * x;
      y = 0.5 - x;
      out[0] = 0.5 * y * y;
      break;
    case 3:
      out[1] = (y * y * (y - 2.0) * 3.0 + 4.0) / 6.0;
      out[2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
      out[0] = (z * z * z) / 6.0;
      break;
    case 4:
      t = x * x;
      out[2] = t * (t * 0.25 - 0.625) + 115.0 / 192.0;
      y = 1.0 + x;
      out[1] = y * (y * ((y * (5.0 - y)) / 6.0 - 1.25) + 5.0 / 24.0) + 55.0 / 96.0;
      out[3] = z * (z * ((z * (5.0 - z)) / 6.0 - 1.25) + 5.0 / 24.0) + 55.0 / 96.0;
      y = 0.5 - x;
      t = y * y;
      out[0] = (t * t) / 24.0;
      break;
    case 5:
      t = y * y;
      out[2] = t * (t * (0.25 - y / 12.0) - 0.5) + 0.55;
      t = z * z;
      out[3] = t * (t * (0.25 - z / 12.0) - 0.5) + 0.55;
      y += 1.0;
      out[1] = y * (y * (y * (y * (y / 24.0 - 0.375) + 1.25) - 1.75) + 0.625) + 0.425;
      z += 1.0;
      out[4] = z * (z * (z * (z * (z / 24.0 - 0.375) + 1.25) - 1.75) + 0.625) + 0.425;
      y = 1.0 - x;
      t = y * y;
      out[0] = (y * t * t) / 120.0;
      break;
    default:
      throw new Error(`spline order ${order} is not supported (0 to 5)`);
  }
  // the weights add up to one; scipy computes the last from the others
  let last = 1.0;
  for (let i = 0; i < order; i++) last -= out[i];
  out[order] = last;
}

/** First tap of the spline support at coordinate x. */
export function splineStart(x: number, order: number): number {
  return order & 1 ? Math.floor(x) - (order >> 1) : Math.floor(x + 0.5) - (order >> 1);
}
