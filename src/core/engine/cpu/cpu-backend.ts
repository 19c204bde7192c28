import type { Backend, SgdStepSettings } from '../backend';
import type { ConvGeometry, Shape, Tensor } from '../tensor';
import { convOutputShape, convTransposeOutputShape, numel, shapeText } from '../tensor';
import { convForward, convGradInput, convGradWeight } from './conv';
import { convTransposeForward, convTransposeGradInput, convTransposeGradWeight } from './conv-transpose';
import * as ew from './elementwise';
import { normActBackward, normActForward } from './norm-act';
import { segLoss } from './seg-loss';
import { clipFactor, sgdStep } from './sgd';

class CpuTensor implements Tensor {
  refs = 1;
  constructor(
    readonly id: number,
    readonly shape: Shape,
    public data: Float32Array,
  ) {}
  get size(): number {
    return this.data.length;
  }
}

/**
 * The plain TypeScript backend: the fallback where WebGPU is missing and the oracle the WGSL kernels
 * are tested against. Synchronous underneath; the async parts of the Backend contract resolve at once.
 */
export class CpuBackend implements Backend {
  readonly kind = 'cpu' as const;
  private nextId = 1;
  private live = 0;
  private peak = 0;

  private make(data: Float32Array, shape: Shape): CpuTensor {
    if (data.length !== numel(shape))
      throw new Error(
        `tensor data has ${data.length} elements, shape ${shapeText(shape)} needs ${numel(shape)}`,
      );
    this.live += data.byteLength;
    this.peak = Math.max(this.peak, this.live);
    return new CpuTensor(this.nextId++, [...shape], data);
  }

  private d(t: Tensor): Float32Array {
    const c = t as CpuTensor;
    if (c.refs <= 0) throw new Error(`tensor ${t.id} used after release`);
    return c.data;
  }

  tensor(data: Float32Array, shape: Shape): Tensor {
    return this.make(new Float32Array(data), shape);
  }
  zeros(shape: Shape): Tensor {
    return this.make(new Float32Array(numel(shape)), shape);
  }
  write(t: Tensor, data: Float32Array): void {
    this.d(t).set(data);
  }
  async read(t: Tensor): Promise<Float32Array> {
    return new Float32Array(this.d(t));
  }
  retain(t: Tensor): Tensor {
    (t as CpuTensor).refs++;
    return t;
  }
  release(t: Tensor): void {
    const c = t as CpuTensor;
    if (c.refs <= 0) throw new Error(`tensor ${t.id} released twice`);
    if (--c.refs === 0) {
      this.live -= c.data.byteLength;
      c.data = new Float32Array(0);
    }
  }
  async sync(): Promise<void> {}
  memory() {
    return { liveBytes: this.live, pooledBytes: 0, peakBytes: this.peak };
  }
  dispose(): void {}

  conv(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry): Tensor {
    const ys = convOutputShape(x.shape, w.shape[0], g);
    return this.make(convForward(this.d(x), x.shape, this.d(w), b ? this.d(b) : null, ys, g), ys);
  }
  convGradInput(dy: Tensor, w: Tensor, xShape: Shape, g: ConvGeometry): Tensor {
    return this.make(convGradInput(this.d(dy), dy.shape, this.d(w), xShape, g), xShape);
  }
  convGradWeight(x: Tensor, dy: Tensor, g: ConvGeometry, dw: Tensor, db: Tensor | null): void {
    convGradWeight(this.d(x), x.shape, this.d(dy), dy.shape, g, this.d(dw), db ? this.d(db) : null);
  }

  convTranspose(x: Tensor, w: Tensor, b: Tensor | null, stride: readonly number[]): Tensor {
    const ys = convTransposeOutputShape(x.shape, w.shape[1], stride);
    const y = convTransposeForward(this.d(x), x.shape, this.d(w), b ? this.d(b) : null, w.shape[1], stride);
    return this.make(y, ys);
  }
  convTransposeGradInput(dy: Tensor, w: Tensor, stride: readonly number[]): Tensor {
    const xs = [
      dy.shape[0],
      w.shape[0],
      dy.shape[2] / stride[0],
      dy.shape[3] / stride[1],
      dy.shape[4] / stride[2],
    ];
    return this.make(convTransposeGradInput(this.d(dy), xs, this.d(w), w.shape[1], stride), xs);
  }
  convTransposeGradWeight(
    x: Tensor,
    dy: Tensor,
    stride: readonly number[],
    dw: Tensor,
    db: Tensor | null,
  ): void {
    convTransposeGradWeight(
      this.d(x),
      x.shape,
      this.d(dy),
      dy.shape[1],
      stride,
      this.d(dw),
      db ? this.d(db) : null,
    );
  }

  normAct(x: Tensor, gamma: Tensor, beta: Tensor, eps: number, slope: number) {
    const r = normActForward(this.d(x), x.shape, this.d(gamma), this.d(beta), eps, slope);
    return { y: this.make(r.y, x.shape), stats: this.make(r.stats, [x.shape[0], x.shape[1], 2]) };
  }
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
  ): Tensor | null {
    const dx = normActBackward(
      this.d(dy),
      this.d(x),
      this.d(y),
      x.shape,
      this.d(gamma),
      this.d(stats),
      slope,
      dgamma ? this.d(dgamma) : null,
      dbeta ? this.d(dbeta) : null,
      wantDx,
    );
    return dx ? this.make(dx, x.shape) : null;
  }

  leakyRelu(x: Tensor, slope: number): Tensor {
    return this.make(ew.leakyRelu(this.d(x), slope), x.shape);
  }
  leakyReluGrad(dy: Tensor, y: Tensor, slope: number): Tensor {
    return this.make(ew.leakyReluGrad(this.d(dy), this.d(y), slope), dy.shape);
  }
  add(a: Tensor, b: Tensor): Tensor {
    const x = this.d(a);
    const y = this.d(b);
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = x[i] + y[i];
    return this.make(out, a.shape);
  }
  addInPlace(a: Tensor, b: Tensor): void {
    const x = this.d(a);
    const y = this.d(b);
    for (let i = 0; i < x.length; i++) x[i] += y[i];
  }
  concatChannels(a: Tensor, b: Tensor): Tensor {
    const shape = [a.shape[0], a.shape[1] + b.shape[1], ...a.shape.slice(2)];
    return this.make(ew.concatChannels(this.d(a), a.shape, this.d(b), b.shape), shape);
  }
  sliceChannels(x: Tensor, start: number, count: number): Tensor {
    const shape = [x.shape[0], count, ...x.shape.slice(2)];
    return this.make(ew.sliceChannels(this.d(x), x.shape, start, count), shape);
  }
  avgPool(x: Tensor, k: readonly number[]): Tensor {
    const r = ew.avgPool(this.d(x), x.shape, k);
    return this.make(r.y, r.ys);
  }
  avgPoolGrad(dy: Tensor, k: readonly number[], xShape: Shape): Tensor {
    return this.make(ew.avgPoolGrad(this.d(dy), k, xShape), xShape);
  }

  segLoss(
    logits: Tensor,
    labels: Tensor,
    opts: { batchDice: boolean; smooth: number; weight: number },
    lossAcc: Tensor,
  ): Tensor {
    const r = segLoss(this.d(logits), logits.shape, this.d(labels), opts.batchDice, opts.smooth, opts.weight);
    const acc = this.d(lossAcc);
    acc[0] += r.loss;
    acc[1] += r.ce;
    acc[2] += r.dice;
    return this.make(r.grad, logits.shape);
  }

  sumSquares(ts: readonly Tensor[], out: Tensor): void {
    let s = 0;
    for (const t of ts) {
      const d = this.d(t);
      for (let i = 0; i < d.length; i++) s += d[i] * d[i];
    }
    this.d(out)[0] += s;
  }
  sgdStep(p: Tensor, grad: Tensor, momentum: Tensor, sumSq: Tensor, h: SgdStepSettings): void {
    const clip = clipFactor(this.d(sumSq)[0], h.maxNorm);
    sgdStep(
      this.d(p),
      this.d(grad),
      this.d(momentum),
      clip,
      h.lr,
      h.momentum,
      h.weightDecay,
      h.first,
      h.nesterov ?? true,
    );
  }
}
