import type { ConvGeometry, Shape, Tensor } from './tensor';

/**
 * What the engine needs from a compute device: storage plus the forward and backward kernels of the
 * nnU-Net layer set. Two implementations with identical semantics: `CpuBackend` (plain TypeScript, the
 * fallback and the test oracle) and `WebGpuBackend` (WGSL). Every op is queued in order; only `read`
 * waits. Shapes are NCDHW; weights are in PyTorch's layout (conv [Co, Ci, kd, kh, kw], transposed conv
 * [Ci, Co, kd, kh, kw]).
 *
 * Ownership: an op returns a tensor holding one reference for the caller. Inputs are never consumed.
 */
export interface Backend {
  readonly kind: 'cpu' | 'webgpu';

  tensor(data: Float32Array, shape: Shape): Tensor;
  zeros(shape: Shape): Tensor;
  /** Overwrite a tensor's contents (same element count). */
  write(t: Tensor, data: Float32Array): void;
  read(t: Tensor): Promise<Float32Array>;
  retain(t: Tensor): Tensor;
  release(t: Tensor): void;
  /** Wait until all queued work has finished (and surface device errors). */
  sync(): Promise<void>;
  /** Bytes currently held by live tensors and by the pool. */
  memory(): { liveBytes: number; pooledBytes: number; peakBytes: number };
  dispose(): void;

  conv(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry): Tensor;
  /** dL/dx of `conv`; xShape is the forward input's shape. */
  convGradInput(dy: Tensor, w: Tensor, xShape: Shape, g: ConvGeometry): Tensor;
  /** Writes dL/dw into dw and (if given) dL/db into db. */
  convGradWeight(x: Tensor, dy: Tensor, g: ConvGeometry, dw: Tensor, db: Tensor | null): void;

  /** Transposed convolution with kernel = stride, no padding (nnU-Net's upsampling). */
  convTranspose(x: Tensor, w: Tensor, b: Tensor | null, stride: readonly number[]): Tensor;
  convTransposeGradInput(dy: Tensor, w: Tensor, stride: readonly number[]): Tensor;
  convTransposeGradWeight(
    x: Tensor,
    dy: Tensor,
    stride: readonly number[],
    dw: Tensor,
    db: Tensor | null,
  ): void;

  /**
   * Instance norm (biased variance, eps inside the root, affine) followed by LeakyReLU with `slope`
   * (slope 1 = no activation). Returns y and the per-(n, c) statistics [mean, invstd] interleaved.
   */
  normAct(x: Tensor, gamma: Tensor, beta: Tensor, eps: number, slope: number): { y: Tensor; stats: Tensor };
  /**
   * Backward of normAct from dL/dy, the forward input x, its output y (for the activation's sign) and
   * stats. Writes dgamma/dbeta when given; returns dL/dx when wantDx.
   */
  normActGrad(
    dy: Tensor,
    x: Tensor,
    y: Tensor,
    gamma: Tensor,
    stats: Tensor,
    slope: number,
    dgamma: Tensor | null,
    dbeta: Tensor | null,
    wantDx: boolean,
  ): Tensor | null;

  leakyRelu(x: Tensor, slope: number): Tensor;
  /** dL/dx from dL/dy and the output y (same sign as x for slope > 0). */
  leakyReluGrad(dy: Tensor, y: Tensor, slope: number): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  /** a += b, in place. */
  addInPlace(a: Tensor, b: Tensor): void;
  concatChannels(a: Tensor, b: Tensor): Tensor;
  sliceChannels(x: Tensor, start: number, count: number): Tensor;
  /** Average pooling with kernel = stride, no padding. */
  avgPool(x: Tensor, k: readonly number[]): Tensor;
  avgPoolGrad(dy: Tensor, k: readonly number[], xShape: Shape): Tensor;

  /**
   * nnU-Net's DC_and_CE_loss on one output (softmax, CE mean over voxels, MemoryEfficientSoftDiceLoss
   * with do_bg False), times `weight`. Adds weight·loss into lossAcc[0] (weight·CE into lossAcc[1],
   * weight·Dice into lossAcc[2]) and returns dL/dlogits. labels: [n, 1, d, h, w] class indices as floats.
   */
  segLoss(
    logits: Tensor,
    labels: Tensor,
    opts: { batchDice: boolean; smooth: number; weight: number },
    lossAcc: Tensor,
  ): Tensor;

  /** out[0] += Σ t² over all given tensors. */
  sumSquares(ts: readonly Tensor[], out: Tensor): void;
  /**
   * torch.optim.SGD (dampening 0, Nesterov unless nesterov is false) on one parameter after clip_grad_norm_: the gradient is first
   * scaled by min(1, maxNorm / (sqrt(sumSq[0]) + 1e-6)). `first` = no momentum buffer yet (it becomes
   * the gradient, as torch does).
   */
  sgdStep(p: Tensor, grad: Tensor, momentum: Tensor, sumSq: Tensor, h: SgdStepSettings): void;
}

export interface SgdStepSettings {
  lr: number;
  momentum: number;
  weightDecay: number;
  maxNorm: number;
  /** no momentum buffer yet */
  first: boolean;
  /** torch's nesterov flag (nnU-Net: true) */
  nesterov?: boolean;
}

export interface BackendInfo {
  kind: 'cpu' | 'webgpu';
  /** Adapter description (WebGPU) or 'TypeScript CPU'. */
  description: string;
  maxBufferBytes: number;
  maxBindingBytes: number;
}
