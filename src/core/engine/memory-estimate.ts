/**
 * Memory needed by a training step, measured rather than guessed: the real network, tape and optimizer run
 * on a backend that computes nothing and only allocates, with the WebGPU pool's size classes and reuse.
 * The peak is what the GPU backend will hold (live tensors plus pooled buffers); the largest tensor must
 * fit the adapter's storage-binding limit.
 */

import { sizeClass } from '../gpu/buffer-pool';
import type { NetworkSpec } from '../model/architecture';
import type { Backend } from './backend';
import { deepSupervisionScales, deepSupervisionWeights } from './deep-supervision';
import { NNUNET_SGD, sgdStep } from './optimizer';
import type { ConvGeometry, Shape, Tensor } from './tensor';
import { convOutputShape, convTransposeOutputShape, numel } from './tensor';
import { forwardBackward } from './train-step';
import { UNet } from './unet';

class MeasuredTensor implements Tensor {
  refs = 1;
  constructor(
    readonly id: number,
    readonly shape: Shape,
    readonly size: number,
    readonly bytes: number,
  ) {}
}

/** A Backend that only allocates (pooled like WebGPU) and remembers the peak. */
export class MeasureBackend implements Backend {
  readonly kind = 'cpu' as const;
  private id = 1;
  private live = 0;
  private pooled = new Map<number, number>();
  private pooledBytes = 0;
  peak = 0;
  largest = 0;
  /** forward ops: multiply-adds of the convolutions, and bytes each op must read and write at least */
  macs = 0;
  trafficBytes = 0;

  private touch(...ts: Tensor[]): void {
    for (const t of ts) this.trafficBytes += t.size * 4;
  }

  private make(shape: Shape): Tensor {
    const size = numel(shape);
    const bytes = sizeClass(size * 4);
    const free = this.pooled.get(bytes) ?? 0;
    if (free > 0) {
      this.pooled.set(bytes, free - 1);
      this.pooledBytes -= bytes;
    }
    this.live += bytes;
    this.largest = Math.max(this.largest, size * 4);
    this.peak = Math.max(this.peak, this.live + this.pooledBytes);
    return new MeasuredTensor(this.id++, [...shape], size, bytes);
  }
  tensor(_d: Float32Array, shape: Shape) {
    return this.make(shape);
  }
  zeros(shape: Shape) {
    return this.make(shape);
  }
  write(): void {}
  async read(t: Tensor) {
    return new Float32Array(t.size);
  }
  retain(t: Tensor) {
    (t as MeasuredTensor).refs++;
    return t;
  }
  release(t: Tensor) {
    const m = t as MeasuredTensor;
    if (--m.refs === 0) {
      this.live -= m.bytes;
      this.pooledBytes += m.bytes;
      this.pooled.set(m.bytes, (this.pooled.get(m.bytes) ?? 0) + 1);
    }
  }
  async sync() {}
  memory() {
    return { liveBytes: this.live, pooledBytes: this.pooledBytes, peakBytes: this.peak };
  }
  dispose() {}
  conv(x: Tensor, w: Tensor, _b: Tensor | null, g: ConvGeometry) {
    const y = this.make(convOutputShape(x.shape, w.shape[0], g));
    this.macs += y.size * (w.size / w.shape[0]);
    this.touch(x, w, y);
    return y;
  }
  convGradInput(_dy: Tensor, _w: Tensor, xs: Shape) {
    return this.make(xs);
  }
  convGradWeight(x: Tensor, dy: Tensor, _g: ConvGeometry, dw: Tensor) {
    // split-K partials (at most what the WebGPU backend would use)
    this.release(
      this.make([Math.min(64, Math.ceil((dy.shape[0] * numel(dy.shape.slice(2))) / 512)) * dw.size]),
    );
    void x;
  }
  convTranspose(x: Tensor, w: Tensor, _b: Tensor | null, s: readonly number[]) {
    const y = this.make(convTransposeOutputShape(x.shape, w.shape[1], s));
    // kernel = stride: each output voxel is one input voxel's Ci products
    this.macs += y.size * w.shape[0];
    this.touch(x, w, y);
    return y;
  }
  convTransposeGradInput(dy: Tensor, w: Tensor, s: readonly number[]) {
    return this.make([dy.shape[0], w.shape[0], dy.shape[2] / s[0], dy.shape[3] / s[1], dy.shape[4] / s[2]]);
  }
  convTransposeGradWeight() {}
  normAct(x: Tensor) {
    const y = this.make(x.shape);
    // statistics, then normalisation: x is read twice
    this.touch(x, x, y);
    return { y, stats: this.make([x.shape[0], x.shape[1], 2]) };
  }
  normActGrad(
    _dy: Tensor,
    x: Tensor,
    _y: Tensor,
    _g: Tensor,
    _s: Tensor,
    _sl: number,
    _dg: Tensor | null,
    _db: Tensor | null,
    wantDx: boolean,
  ) {
    const sums = this.make([x.shape[0], x.shape[1], 2]);
    const dx = wantDx ? this.make(x.shape) : null;
    this.release(sums);
    return dx;
  }
  leakyRelu(x: Tensor) {
    const y = this.make(x.shape);
    this.touch(x, y);
    return y;
  }
  leakyReluGrad(dy: Tensor) {
    return this.make(dy.shape);
  }
  add(a: Tensor, b: Tensor) {
    const y = this.make(a.shape);
    this.touch(a, b, y);
    return y;
  }
  addInPlace() {}
  concatChannels(a: Tensor, b: Tensor) {
    const y = this.make([a.shape[0], a.shape[1] + b.shape[1], ...a.shape.slice(2)]);
    this.touch(a, b, y);
    return y;
  }
  sliceChannels(x: Tensor, _s: number, count: number) {
    return this.make([x.shape[0], count, ...x.shape.slice(2)]);
  }
  avgPool(x: Tensor, k: readonly number[]) {
    return this.make([x.shape[0], x.shape[1], ...[0, 1, 2].map((a) => Math.floor(x.shape[2 + a] / k[a]))]);
  }
  avgPoolGrad(_dy: Tensor, _k: readonly number[], xs: Shape) {
    return this.make(xs);
  }
  segLoss(logits: Tensor) {
    const [n, c] = logits.shape;
    const vol = numel(logits.shape.slice(2));
    const tmp = [this.make([n * vol]), this.make([n * c * 3]), this.make([1]), this.make([n * c * 2])];
    const g = this.make(logits.shape);
    for (const t of tmp) this.release(t);
    return g;
  }
  sumSquares() {}
  sgdStep() {}
}

export interface MemoryEstimate {
  /** parameters, gradients and momentum */
  parameterBytes: number;
  /** peak of everything the backend holds during a step (pool included) */
  peakBytes: number;
  /** the largest single tensor (must fit maxStorageBufferBindingSize) */
  largestTensorBytes: number;
}

/** Runs one training step of `spec` on (batch, patch) on the measuring backend. */
export function estimateTrainingMemory(
  spec: NetworkSpec,
  patch: number[],
  batch: number,
  options: { freezeEncoder?: boolean } = {},
): MemoryEstimate {
  const be = new MeasureBackend();
  const net = new UNet(be, spec);
  net.setEncoderTrainable(!options.freezeEncoder);
  const p3 = spec.dim === 2 ? [1, ...patch] : patch;
  const input = be.zeros([batch, spec.inputChannels, ...p3]);
  const scales = spec.deepSupervision ? deepSupervisionScales(spec) : [new Array(spec.dim).fill(1)];
  const labels = scales.map((s) => {
    const s3 = spec.dim === 2 ? [1, ...s] : s;
    return be.zeros([batch, 1, ...p3.map((v, a) => Math.round(v * s3[a]))]);
  });
  const weights = spec.deepSupervision ? deepSupervisionWeights(spec.nStages) : [1];
  // two steps: the second runs with gradient and momentum storage already allocated
  for (let i = 0; i < 2; i++) {
    const { lossAcc } = forwardBackward(net, input, labels, { batchDice: true, smooth: 1e-5, weights });
    be.release(lossAcc);
    be.release(sgdStep(be, net.params, 0.01, NNUNET_SGD));
  }
  const parameterBytes = net.params.reduce(
    (s, p) => s + sizeClass(numel(p.shape) * 4) * (p.trainable ? 3 : 1),
    0,
  );
  return { parameterBytes, peakBytes: be.peak, largestTensorBytes: be.largest };
}

export interface ForwardMeasure {
  /** the network's parameters */
  weightBytes: number;
  /** peak of everything the backend holds (pool included), weights and input included */
  peakBytes: number;
  largestTensorBytes: number;
  /** multiply-adds of the convolutions */
  macs: number;
  /** bytes the ops must read and write at least (each op's inputs and outputs once; a norm reads twice) */
  trafficBytes: number;
}

/** One inference forward (batch 1, final output only, no tape) of `spec` on `patch`: memory, work, traffic. */
export function measureInferenceForward(spec: NetworkSpec, patch: readonly number[]): ForwardMeasure {
  const be = new MeasureBackend();
  const net = new UNet(be, { ...spec, deepSupervision: false });
  const weightBytes = be.peak;
  const p3 = spec.dim === 2 ? [1, ...patch] : [...patch];
  const input = be.zeros([1, spec.inputChannels, ...p3]);
  const [out] = net.forward({ be, tape: null }, { t: input, requiresGrad: false }, true);
  be.release(out.t);
  be.release(input);
  return {
    weightBytes,
    peakBytes: be.peak,
    largestTensorBytes: be.largest,
    macs: be.macs,
    trafficBytes: be.trafficBytes,
  };
}
