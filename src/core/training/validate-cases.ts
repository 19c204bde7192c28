/**
 * Validation on whole cases, as nnU-Net's final validation does it but in the preprocessed space: each
 * case predicted with the sliding window (step 0.5 by default, Gaussian weighting, no mirroring), argmax, then Dice
 * per foreground class against the case's labels (−1 outside the nonzero mask counts as background).
 * Per class: NaN when the class is neither in the labels nor predicted (nnU-Net's compute_metrics); the
 * summary is the mean over cases (ignoring NaN) per class and their mean, like summary.json's foreground_mean.
 */
import type { Backend } from '../engine/backend';
import type { UNet } from '../engine/unet';
import { type NetworkFn, streamSlidingWindow } from '../inference/predict-sliding-window';
import type { TrainingCase } from './training-case';

export interface CaseDice {
  id: string;
  dice: number[];
}

export interface ValidationResult {
  cases: CaseDice[];
  /** mean over cases per foreground class */
  perClass: number[];
  foregroundMean: number;
}

/** The network as the sliding window's NetworkFn: one tile [1, C, ...patch] → full-resolution logits. */
export function engineNetworkFn(net: UNet): NetworkFn {
  const be: Backend = net.be;
  return async (tile, shape) => {
    const s5 = shape.length === 4 ? [shape[0], shape[1], 1, shape[2], shape[3]] : shape;
    const x = be.tensor(tile, s5);
    const [out] = net.forward({ be, tape: null }, { t: x, requiresGrad: false }, true);
    be.release(x);
    const logits = await be.read(out.t);
    be.release(out.t);
    return logits;
  };
}

const nanMean = (xs: number[]) => {
  const v = xs.filter((x) => !Number.isNaN(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN;
};

export async function validateCases(
  net: UNet,
  cases: readonly TrainingCase[],
  patchSize: number[],
  onCase?: (done: number, total: number) => void,
  tileStepSize = 0.5,
): Promise<ValidationResult> {
  const K = net.spec.numClasses;
  const fn = engineNetworkFn(net);
  const out: CaseDice[] = [];
  for (const c of cases) {
    const [Z, Y, X] = c.shape;
    const plane = Y * X;
    const tp = new Float64Array(K);
    const fp = new Float64Array(K);
    const fnc = new Float64Array(K);
    await streamSlidingWindow(
      c.data,
      [c.data.length, Z, Y, X],
      [fn],
      { patchSize, numClasses: K, tileStepSize, useGaussian: true, mirrorAxes: [] },
      ({ z, logits }) => {
        for (let v = 0; v < plane; v++) {
          let best = 0;
          for (let k = 1; k < K; k++) if (logits[k * plane + v] > logits[best * plane + v]) best = k;
          const t = Math.max(0, c.seg[z * plane + v]);
          if (best === t) tp[t]++;
          else {
            fp[best]++;
            fnc[t]++;
          }
        }
      },
    );
    const dice = Array.from({ length: K - 1 }, (_, i) => {
      const k = i + 1;
      const den = 2 * tp[k] + fp[k] + fnc[k];
      return den === 0 ? Number.NaN : (2 * tp[k]) / den;
    });
    out.push({ id: c.id, dice });
    onCase?.(out.length, cases.length);
  }
  const perClass = Array.from({ length: K - 1 }, (_, i) => nanMean(out.map((c) => c.dice[i])));
  return { cases: out, perClass, foregroundMean: nanMean(perClass) };
}
