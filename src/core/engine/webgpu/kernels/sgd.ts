/**
 * WGSL for one torch.optim.SGD step (Nesterov, dampening 0) after clip_grad_norm_: the clip factor is
 * computed on the device from Σ g², so no read-back is needed. hyper = [lr, momentum, weight decay, max norm].
 */
import { type Kernel, linearKernel } from './common';

export function sgdWgsl(size: number, first: boolean, nesterov = true): Kernel {
  return linearKernel(
    size,
    {
      bind: [
        ['p', 'read_write'],
        ['g', 'read'],
        ['buf', 'read_write'],
        ['sumsq', 'read'],
        ['hyper', 'read'],
      ],
    },
    `
  let total = sqrt(sumsq[0]);
  let clip = min(hyper[3] / (total + 1e-6), 1.0);
  var d = g[i] * clip + hyper[2] * p[i];
  let b = ${first ? 'd' : 'hyper[1] * buf[i] + d'};
  buf[i] = b;
  d = ${nesterov ? 'd + hyper[1] * b' : 'b'};
  p[i] = p[i] - hyper[0] * d;`,
  );
}
