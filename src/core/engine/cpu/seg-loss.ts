/**
 * nnU-Net's DC_and_CE_loss (weights 1 and 1) on one output, on the CPU, with its gradient:
 *  - CE: mean over all n·voxels of −log softmax(z)[label] (RobustCrossEntropyLoss);
 *  - Dice: MemoryEfficientSoftDiceLoss(softmax, do_bg False, smooth): per (n, c ≥ 1), or summed over n
 *    with batch_dice, dc = (2·I + s) / max(G + P + s, 1e-8); loss = −mean(dc).
 * Gradient: (p − y)/M for CE; for Dice ∂L/∂p = −(2y·den − (2I + s)) / (K·den²), pushed through the
 * softmax Jacobian. Softmax in float64 so the twin is exact to float32.
 */
import type { Shape } from '../tensor';

export interface SegLossResult {
  grad: Float32Array;
  loss: number;
  ce: number;
  dice: number;
}

export function segLoss(
  z: Float32Array,
  zs: Shape,
  labels: Float32Array,
  batchDice: boolean,
  smooth: number,
  weight: number,
): SegLossResult {
  const [N, C] = zs;
  const vol = zs[2] * zs[3] * zs[4];
  const M = N * vol;
  const p = new Float64Array(z.length);
  // per (n, c) sums; with batch dice everything is folded into n = 0 afterwards
  const I = new Float64Array(N * C);
  const P = new Float64Array(N * C);
  const G = new Float64Array(N * C);
  let ce = 0;
  for (let n = 0; n < N; n++)
    for (let v = 0; v < vol; v++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < C; c++) max = Math.max(max, z[(n * C + c) * vol + v]);
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const e = Math.exp(z[(n * C + c) * vol + v] - max);
        p[(n * C + c) * vol + v] = e;
        sum += e;
      }
      const t = labels[n * vol + v];
      for (let c = 0; c < C; c++) {
        const i = (n * C + c) * vol + v;
        p[i] /= sum;
        P[n * C + c] += p[i];
        if (c === t) {
          I[n * C + c] += p[i];
          G[n * C + c] += 1;
        }
      }
      ce -= z[(n * C + t) * vol + v] - max - Math.log(sum);
    }
  ce /= M;
  const groups = batchDice ? 1 : N;
  if (batchDice)
    for (let n = 1; n < N; n++)
      for (let c = 0; c < C; c++) {
        I[c] += I[n * C + c];
        P[c] += P[n * C + c];
        G[c] += G[n * C + c];
      }
  const K = groups * (C - 1);
  let dcSum = 0;
  // dL/dp = a·y − b per (group, c): a = −2/(K·den), b = −(2I + s)/(K·den²)
  const A = new Float64Array(N * C);
  const B = new Float64Array(N * C);
  for (let gi = 0; gi < groups; gi++)
    for (let c = 1; c < C; c++) {
      const j = gi * C + c;
      const den = Math.max(G[j] + P[j] + smooth, 1e-8);
      dcSum += (2 * I[j] + smooth) / den;
      A[j] = -2 / (K * den);
      B[j] = -(2 * I[j] + smooth) / (K * den * den);
    }
  const dice = -dcSum / K;
  const grad = new Float32Array(z.length);
  const gp = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    const gi = batchDice ? 0 : n;
    for (let v = 0; v < vol; v++) {
      const t = labels[n * vol + v];
      let dot = 0;
      for (let c = 0; c < C; c++) {
        const pc = p[(n * C + c) * vol + v];
        gp[c] = c === 0 ? 0 : (c === t ? A[gi * C + c] : 0) - B[gi * C + c];
        dot += pc * gp[c];
      }
      for (let c = 0; c < C; c++) {
        const i = (n * C + c) * vol + v;
        const dDice = p[i] * (gp[c] - dot);
        const dCe = (p[i] - (c === t ? 1 : 0)) / M;
        grad[i] = weight * (dCe + dDice);
      }
    }
  }
  return { grad, loss: weight * (ce + dice), ce: weight * ce, dice: weight * dice };
}
