/**
 * torch.optim.SGD's single-tensor step (momentum, dampening 0, Nesterov, weight decay added to the
 * gradient) after torch.nn.utils.clip_grad_norm_, on the CPU. Float32 arithmetic like torch, via Math.fround.
 */
const f = Math.fround;

/** clip_grad_norm_'s factor: min(1, maxNorm / (‖g‖ + 1e-6)) computed in float32 like torch. */
export function clipFactor(sumSq: number, maxNorm: number): number {
  const total = f(Math.sqrt(sumSq));
  const coef = f(maxNorm / f(total + 1e-6));
  return Math.min(coef, 1);
}

export function sgdStep(
  p: Float32Array,
  grad: Float32Array,
  buf: Float32Array,
  clip: number,
  lr: number,
  momentum: number,
  weightDecay: number,
  first: boolean,
  nesterov = true,
): void {
  for (let i = 0; i < p.length; i++) {
    let d = f(f(grad[i] * clip) + f(weightDecay * p[i]));
    const b = first ? d : f(f(momentum * buf[i]) + d);
    buf[i] = b;
    d = nesterov ? f(d + f(momentum * b)) : b;
    p[i] = f(p[i] - f(lr * d));
  }
}
