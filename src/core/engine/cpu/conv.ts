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

export function convForward(
  x: Float32Array,
  xs: Shape,
  w: Float32Array,
  b: Float32Array | null,
  ys: Shape,
  g: ConvGeometry,
): Float32Array {
  const [N, Ci, D, H, W] = xs;
  const [, Co, Do, Ho, Wo] = ys;
  const [kd, kh, kw] = g.kernel;
  const [sd, sh, sw] = g.stride;
  const [pd, ph, pw] = g.pad;
  const inVol = D * H * W;
  const outVol = Do * Ho * Wo;
  const y = new Float32Array(N * Co * outVol);
  const acc = new Float64Array(outVol);
  for (let n = 0; n < N; n++) {
    for (let co = 0; co < Co; co++) {
      acc.fill(b ? b[co] : 0);
      for (let ci = 0; ci < Ci; ci++) {
        const xBase = (n * Ci + ci) * inVol;
        for (let a = 0; a < kd; a++) {
          const [odLo, odHi] = validRange(Do, D, sd, pd, a);
          for (let c = 0; c < kh; c++) {
            const [ohLo, ohHi] = validRange(Ho, H, sh, ph, c);
            for (let e = 0; e < kw; e++) {
              const [owLo, owHi] = validRange(Wo, W, sw, pw, e);
              const wv = w[(((co * Ci + ci) * kd + a) * kh + c) * kw + e];
              for (let od = odLo; od < odHi; od++) {
                const id = od * sd - pd + a;
                for (let oh = ohLo; oh < ohHi; oh++) {
                  const ih = oh * sh - ph + c;
                  const xRow = xBase + (id * H + ih) * W - pw + e;
                  const yRow = (od * Ho + oh) * Wo;
                  for (let ow = owLo; ow < owHi; ow++) acc[yRow + ow] += wv * x[xRow + ow * sw];
                }
              }
            }
          }
        }
      }
      y.set(acc, (n * Co + co) * outVol);
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
  const [N, Ci, D, H, W] = xs;
  const [, Co, Do, Ho, Wo] = ys;
  const [kd, kh, kw] = g.kernel;
  const [sd, sh, sw] = g.stride;
  const [pd, ph, pw] = g.pad;
  const inVol = D * H * W;
  const outVol = Do * Ho * Wo;
  const dx = new Float32Array(N * Ci * inVol);
  const acc = new Float64Array(inVol);
  for (let n = 0; n < N; n++) {
    for (let ci = 0; ci < Ci; ci++) {
      acc.fill(0);
      for (let co = 0; co < Co; co++) {
        const yBase = (n * Co + co) * outVol;
        for (let a = 0; a < kd; a++) {
          const [odLo, odHi] = validRange(Do, D, sd, pd, a);
          for (let c = 0; c < kh; c++) {
            const [ohLo, ohHi] = validRange(Ho, H, sh, ph, c);
            for (let e = 0; e < kw; e++) {
              const [owLo, owHi] = validRange(Wo, W, sw, pw, e);
              const wv = w[(((co * Ci + ci) * kd + a) * kh + c) * kw + e];
              for (let od = odLo; od < odHi; od++) {
                const id = od * sd - pd + a;
                for (let oh = ohLo; oh < ohHi; oh++) {
                  const ih = oh * sh - ph + c;
                  const xRow = (id * H + ih) * W - pw + e;
                  const yRow = yBase + (od * Ho + oh) * Wo;
                  for (let ow = owLo; ow < owHi; ow++) acc[xRow + ow * sw] += wv * dy[yRow + ow];
                }
              }
            }
          }
        }
      }
      dx.set(acc, (n * Ci + ci) * inVol);
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
  const [N, Ci, D, H, W] = xs;
  const [, Co, Do, Ho, Wo] = ys;
  const [kd, kh, kw] = g.kernel;
  const [sd, sh, sw] = g.stride;
  const [pd, ph, pw] = g.pad;
  const inVol = D * H * W;
  const outVol = Do * Ho * Wo;
  for (let co = 0; co < Co; co++) {
    if (db) {
      let s = 0;
      for (let n = 0; n < N; n++) {
        const base = (n * Co + co) * outVol;
        for (let i = 0; i < outVol; i++) s += dy[base + i];
      }
      db[co] = s;
    }
    for (let ci = 0; ci < Ci; ci++) {
      for (let a = 0; a < kd; a++) {
        const [odLo, odHi] = validRange(Do, D, sd, pd, a);
        for (let c = 0; c < kh; c++) {
          const [ohLo, ohHi] = validRange(Ho, H, sh, ph, c);
          for (let e = 0; e < kw; e++) {
            const [owLo, owHi] = validRange(Wo, W, sw, pw, e);
            let s = 0;
            for (let n = 0; n < N; n++) {
              const xBase = (n * Ci + ci) * inVol;
              const yBase = (n * Co + co) * outVol;
              for (let od = odLo; od < odHi; od++) {
                const id = od * sd - pd + a;
                for (let oh = ohLo; oh < ohHi; oh++) {
                  const ih = oh * sh - ph + c;
                  const xRow = xBase + (id * H + ih) * W - pw + e;
                  const yRow = yBase + (od * Ho + oh) * Wo;
                  for (let ow = owLo; ow < owHi; ow++) s += dy[yRow + ow] * x[xRow + ow * sw];
                }
              }
            }
            dw[(((co * Ci + ci) * kd + a) * kh + c) * kw + e] = s;
          }
        }
      }
    }
  }
}
