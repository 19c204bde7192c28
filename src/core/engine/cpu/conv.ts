/**
 * Direct 3-D convolution on the CPU (no im2col): forward, input gradient and weight gradient.
 * Loops run kernel tap by kernel tap with the innermost loop along contiguous w, and accumulate in
 * float64 so the twin is at least as exact as PyTorch's float32.
 */
import type { ConvGeometry, Shape } from '../tensor';

/** Range of output positions o with 0 <= o·s − p + k < n. */
function validRange(outLen: number, inLen: number, s: number, p: number, k: number): [number, number] {
  const lo = Math.max(0, Math.ceil((p - k) / s));
  const hi = Math.min(outLen, Math.floor((inLen - 1 + p - k) / s) + 1);
  return [lo, hi];
}

/** Sizes, stride and padding of a convolution with input xs, output ys and geometry g. */
function convSizes(xs: Shape, ys: Shape, g: ConvGeometry) {
  const [N, Ci, D, H, W] = xs;
  const [, Co, Do, Ho, Wo] = ys;
  const [kd, kh, kw] = g.kernel;
  const [sd, sh, sw] = g.stride;
  const [pd, ph, pw] = g.pad;
  const [inVol, outVol, kvol] = [D * H * W, Do * Ho * Wo, kd * kh * kw];
  return { N, Ci, D, H, W, Co, Do, Ho, Wo, kd, kh, kw, sd, sh, sw, pd, ph, pw, inVol, outVol, kvol };
}

export function convForward(
  x: Float32Array,
  xs: Shape,
  w: Float32Array,
  b: Float32Array | null,
  ys: Shape,
  g: ConvGeometry,
): Float32Array {
  const { N, Ci, D, H, W, Co, Do, Ho, Wo, kd, kh, kw, sd, sh, sw, pd, ph, pw, inVol, outVol, kvol } =
    convSizes(xs, ys, g);
  const y = new Float32Array(N * Co * outVol);
  // four output channels per pass: each input value loaded once feeds four accumulators
  const acc = [0, 1, 2, 3].map(() => new Float64Array(outVol));
  for (let n = 0; n < N; n++) {
    for (let co0 = 0; co0 < Co; co0 += 4) {
      const cb = Math.min(4, Co - co0);
      for (let j = 0; j < 4; j++) acc[j].fill(j < cb && b ? b[co0 + j] : 0);
      const [a0, a1, a2, a3] = acc;
      for (let ci = 0; ci < Ci; ci++) {
        const xBase = (n * Ci + ci) * inVol;
        for (let a = 0; a < kd; a++) {
          const [odLo, odHi] = validRange(Do, D, sd, pd, a);
          for (let c = 0; c < kh; c++) {
            const [ohLo, ohHi] = validRange(Ho, H, sh, ph, c);
            for (let e = 0; e < kw; e++) {
              const [owLo, owHi] = validRange(Wo, W, sw, pw, e);
              const k = (a * kh + c) * kw + e;
              const wAt = (j: number) => (j < cb ? w[((co0 + j) * Ci + ci) * kvol + k] : 0);
              const w0 = wAt(0);
              const w1 = wAt(1);
              const w2 = wAt(2);
              const w3 = wAt(3);
              for (let od = odLo; od < odHi; od++) {
                const id = od * sd - pd + a;
                for (let oh = ohLo; oh < ohHi; oh++) {
                  const ih = oh * sh - ph + c;
                  const xRow = xBase + (id * H + ih) * W - pw + e;
                  const yRow = (od * Ho + oh) * Wo;
                  for (let ow = owLo; ow < owHi; ow++) {
                    const xv = x[xRow + ow * sw];
                    const o = yRow + ow;
                    a0[o] += w0 * xv;
                    a1[o] += w1 * xv;
                    a2[o] += w2 * xv;
                    a3[o] += w3 * xv;
                  }
                }
              }
            }
          }
        }
      }
      for (let j = 0; j < cb; j++) y.set(acc[j], (n * Co + co0 + j) * outVol);
    }
  }
  return y;
}

export function convGradInput(
  dy: Float32Array,
  ys: Shape,
  w: Float32Array,
  xs: Shape,
  g: ConvGeometry,
): Float32Array {
  const { N, Ci, D, H, W, Co, Do, Ho, Wo, kd, kh, kw, sd, sh, sw, pd, ph, pw, inVol, outVol, kvol } =
    convSizes(xs, ys, g);
  const dx = new Float32Array(N * Ci * inVol);
  // four input channels per pass: each output gradient loaded once feeds four accumulators
  const acc = [0, 1, 2, 3].map(() => new Float64Array(inVol));
  for (let n = 0; n < N; n++) {
    for (let ci0 = 0; ci0 < Ci; ci0 += 4) {
      const cb = Math.min(4, Ci - ci0);
      for (const a of acc) a.fill(0);
      const [a0, a1, a2, a3] = acc;
      for (let co = 0; co < Co; co++) {
        const yBase = (n * Co + co) * outVol;
        for (let a = 0; a < kd; a++) {
          const [odLo, odHi] = validRange(Do, D, sd, pd, a);
          for (let c = 0; c < kh; c++) {
            const [ohLo, ohHi] = validRange(Ho, H, sh, ph, c);
            for (let e = 0; e < kw; e++) {
              const [owLo, owHi] = validRange(Wo, W, sw, pw, e);
              const k = (a * kh + c) * kw + e;
              const wAt = (j: number) => (j < cb ? w[(co * Ci + ci0 + j) * kvol + k] : 0);
              const w0 = wAt(0);
              const w1 = wAt(1);
              const w2 = wAt(2);
              const w3 = wAt(3);
              for (let od = odLo; od < odHi; od++) {
                const id = od * sd - pd + a;
                for (let oh = ohLo; oh < ohHi; oh++) {
                  const ih = oh * sh - ph + c;
                  const xRow = (id * H + ih) * W - pw + e;
                  const yRow = yBase + (od * Ho + oh) * Wo;
                  for (let ow = owLo; ow < owHi; ow++) {
                    const gv = dy[yRow + ow];
                    const o = xRow + ow * sw;
                    a0[o] += w0 * gv;
                    a1[o] += w1 * gv;
                    a2[o] += w2 * gv;
                    a3[o] += w3 * gv;
                  }
                }
              }
            }
          }
        }
      }
      for (let j = 0; j < cb; j++) dx.set(acc[j], (n * Ci + ci0 + j) * inVol);
    }
  }
  return dx;
}

export function convGradWeight(
  x: Float32Array,
  xs: Shape,
  dy: Float32Array,
  ys: Shape,
  g: ConvGeometry,
  dw: Float32Array,
  db: Float32Array | null,
): void {
  const { N, Ci, D, H, W, Co, Do, Ho, Wo, kd, kh, kw, sd, sh, sw, pd, ph, pw, inVol, outVol, kvol } =
    convSizes(xs, ys, g);
  if (db)
    for (let co = 0; co < Co; co++) {
      let s = 0;
      for (let n = 0; n < N; n++) {
        const base = (n * Co + co) * outVol;
        for (let i = 0; i < outVol; i++) s += dy[base + i];
      }
      db[co] = s;
    }
  // four output channels per pass: each input value loaded once feeds four dot products
  for (let co0 = 0; co0 < Co; co0 += 4) {
    const cb = Math.min(4, Co - co0);
    const y1 = cb > 1 ? outVol : 0;
    const y2 = cb > 2 ? 2 * outVol : 0;
    const y3 = cb > 3 ? 3 * outVol : 0;
    for (let ci = 0; ci < Ci; ci++) {
      for (let a = 0; a < kd; a++) {
        const [odLo, odHi] = validRange(Do, D, sd, pd, a);
        for (let c = 0; c < kh; c++) {
          const [ohLo, ohHi] = validRange(Ho, H, sh, ph, c);
          for (let e = 0; e < kw; e++) {
            const [owLo, owHi] = validRange(Wo, W, sw, pw, e);
            let s0 = 0;
            let s1 = 0;
            let s2 = 0;
            let s3 = 0;
            for (let n = 0; n < N; n++) {
              const xBase = (n * Ci + ci) * inVol;
              const yBase = (n * Co + co0) * outVol;
              for (let od = odLo; od < odHi; od++) {
                const id = od * sd - pd + a;
                for (let oh = ohLo; oh < ohHi; oh++) {
                  const ih = oh * sh - ph + c;
                  const xRow = xBase + (id * H + ih) * W - pw + e;
                  const yRow = yBase + (od * Ho + oh) * Wo;
                  for (let ow = owLo; ow < owHi; ow++) {
                    const xv = x[xRow + ow * sw];
                    const o = yRow + ow;
                    s0 += dy[o] * xv;
                    s1 += dy[o + y1] * xv;
                    s2 += dy[o + y2] * xv;
                    s3 += dy[o + y3] * xv;
                  }
                }
              }
            }
            const k = (a * kh + c) * kw + e;
            const sums = [s0, s1, s2, s3];
            for (let j = 0; j < cb; j++) dw[((co0 + j) * Ci + ci) * kvol + k] = sums[j];
          }
        }
      }
    }
  }
}
