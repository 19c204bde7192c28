import type { Backend } from './backend';
import type { Param } from './parameters';

/** nnUNetTrainer's optimiser settings. */
export interface SgdSettings {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
  /** clip_grad_norm_ max norm. */
  maxNorm: number;
}

export const NNUNET_SGD: SgdSettings = {
  lr: 0.01,
  momentum: 0.99,
  weightDecay: 3e-5,
  nesterov: true,
  maxNorm: 12,
};

/** PolyLRScheduler: lr = initial · (1 − step / maxSteps)^0.9 (nnU-Net steps it once per epoch). */
export function polyLr(initialLr: number, step: number, maxSteps: number, exponent = 0.9): number {
  return initialLr * (1 - step / maxSteps) ** exponent;
}

/**
 * clip_grad_norm_(max) over every parameter that received a gradient, then one SGD step on those
 * parameters only (torch skips parameters whose .grad is None: no weight decay, no momentum). The norm
 * stays on the device: the step kernels read it there. Returns the tensor with Σ g² (for reporting).
 */
export function sgdStep(be: Backend, params: readonly Param[], lr: number, s: SgdSettings) {
  const live = params.filter((p) => p.hasGrad && p.trainable);
  const sumSq = be.zeros([1]);
  be.sumSquares(
    live.map((p) => p.grad!),
    sumSq,
  );
  for (const p of live) {
    be.sgdStep(p.value, p.grad!, p.momentum!, sumSq, {
      lr,
      momentum: s.momentum,
      weightDecay: s.weightDecay,
      maxNorm: s.maxNorm,
      first: !p.momentumInit,
      nesterov: s.nesterov,
    });
    p.momentumInit = true;
  }
  return sumSq;
}
