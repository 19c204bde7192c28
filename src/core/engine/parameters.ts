import type { Backend } from './backend';
import type { Tensor } from './tensor';
import { numel } from './tensor';

export type ParamRole =
  | 'conv-weight'
  | 'conv-bias'
  | 'norm-weight'
  | 'norm-bias'
  | 'transp-weight'
  | 'transp-bias';

/**
 * One learnable tensor. `name` is its first state-dict key (torch's named_parameters() name); `shape`
 * is PyTorch's (2-D convs keep 4 dims) while the engine's tensor is always 5-D with the same memory.
 */
export interface Param {
  name: string;
  shape: number[];
  role: ParamRole;
  /** Fan-in for He init (torch: weight.size(1) · receptive field). */
  fanIn: number;
  /** A conv bias feeding an InstanceNorm: its true gradient is exactly zero. */
  feedsNorm: boolean;
  /** Encoder parameters can be frozen for fine-tuning. */
  part: 'encoder' | 'decoder';
  value: Tensor;
  grad: Tensor | null;
  momentum: Tensor | null;
  trainable: boolean;
  /** A gradient was written during the current backward (torch: p.grad is not None). */
  hasGrad: boolean;
  /** The momentum buffer exists (torch creates it at a parameter's first step). */
  momentumInit: boolean;
}

/** Builds the Param list in named_parameters() order. */
export class ParamBuilder {
  readonly params: Param[] = [];
  constructor(private readonly be: Backend) {}

  add(
    name: string,
    shape: number[],
    engineShape: number[],
    role: ParamRole,
    fanIn: number,
    part: Param['part'],
  ): Param {
    if (numel(shape) !== numel(engineShape)) throw new Error(`param ${name}: shape mismatch`);
    const p: Param = {
      name,
      shape,
      role,
      fanIn,
      feedsNorm: role === 'conv-bias' && name.endsWith('.conv.bias'),
      part,
      value: this.be.zeros(engineShape),
      grad: null,
      momentum: null,
      trainable: true,
      hasGrad: false,
      momentumInit: false,
    };
    this.params.push(p);
    return p;
  }
}

/** Grad and momentum storage for trainable params (allocated once, reused every step). */
export function ensureGradStorage(be: Backend, p: Param): void {
  if (!p.grad) p.grad = be.zeros(p.value.shape);
  if (!p.momentum) p.momentum = be.zeros(p.value.shape);
}

export function paramCount(params: readonly Param[]): number {
  return params.reduce((s, p) => s + numel(p.shape), 0);
}
