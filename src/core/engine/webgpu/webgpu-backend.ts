import { BufferPool } from '../../gpu/buffer-pool';
import type { GpuContext } from '../../gpu/device';
import { Runner } from '../../gpu/runner';
import type { Backend, SgdStepSettings } from '../backend';
import type { ConvGeometry, Shape, Tensor } from '../tensor';
import { convOutputShape, convTransposeOutputShape, numel, shapeText } from '../tensor';
import type { Kernel } from './kernels/common';
import { convForwardWgsl, convGradInputWgsl, convGradWeightWgsl } from './kernels/conv';
import { gradWeightChunks } from './kernels/conv-frames';
import {
  convGradWeightTiledWgsl,
  convTiledWgsl,
  flipTransposeWgsl,
  tiledConvFits,
  tiledGradWeightChunks,
} from './kernels/conv-tiled';
import {
  convTransposeForwardWgsl,
  convTransposeGradInputWgsl,
  convTransposeGradWeightWgsl,
} from './kernels/conv-transpose';
import * as ew from './kernels/elementwise';
import * as nk from './kernels/norm-act';
import { channelSumWgsl, sumChunksWgsl, sumSquaresWgsl, sumWgsl } from './kernels/reduce';
import * as lk from './kernels/seg-loss';
import { sgdWgsl } from './kernels/sgd';

class GpuTensor implements Tensor {
  refs = 1;
  constructor(
    readonly id: number,
    readonly shape: Shape,
    readonly size: number,
    public buffer: GPUBuffer | null,
    readonly bytes: number,
  ) {}
}

/**
 * The WGSL backend: tensors in pooled storage buffers, every op one or a few compute dispatches recorded
 * into a shared command encoder, nothing read back inside a training step but the loss at its end.
 */
export class WebGpuBackend implements Backend {
  readonly kind = 'webgpu' as const;
  readonly runner: Runner;
  private readonly pool: BufferPool;
  private nextId = 1;
  private hyper: GpuTensor | null = null;
  private hyperKey = '';
  /** Use the workgroup-memory conv kernels where they fit (false: the direct ones, for comparison). */
  tiled = true;

  constructor(readonly ctx: GpuContext) {
    this.runner = new Runner(ctx.device);
    this.pool = new BufferPool(ctx.device, ctx.limits.maxBufferSize);
  }

  private alloc(shape: Shape): GpuTensor {
    const size = numel(shape);
    const bytes = size * 4;
    if (bytes > this.ctx.limits.maxStorageBufferBindingSize)
      throw new Error(
        `tensor ${shapeText(shape)} (${(bytes / 2 ** 20).toFixed(0)} MiB) exceeds the adapter's storage binding limit`,
      );
    const { buffer, size: cls } = this.pool.acquire(bytes);
    return new GpuTensor(this.nextId++, [...shape], size, buffer, cls);
  }

  /** The storage buffer behind a live tensor (may be larger than the tensor: pooled size classes). */
  bufferOf(t: Tensor): GPUBuffer {
    return this.b(t);
  }

  private b(t: Tensor): GPUBuffer {
    const g = t as GpuTensor;
    if (!g.buffer || g.refs <= 0) throw new Error(`tensor ${t.id} used after release`);
    return g.buffer;
  }

  tensor(data: Float32Array, shape: Shape): Tensor {
    if (data.length !== numel(shape))
      throw new Error(
        `tensor data has ${data.length} elements, shape ${shapeText(shape)} needs ${numel(shape)}`,
      );
    const t = this.alloc(shape);
    this.runner.write(t.buffer!, 0, data);
    return t;
  }
  zeros(shape: Shape): Tensor {
    const t = this.alloc(shape);
    this.runner.clear(t.buffer!, t.size * 4);
    return t;
  }
  write(t: Tensor, data: Float32Array): void {
    if (data.length !== t.size) throw new Error(`write of ${data.length} values into a tensor of ${t.size}`);
    this.runner.write(this.b(t), 0, data);
  }
  async read(t: Tensor): Promise<Float32Array> {
    return new Float32Array(await this.runner.read(this.b(t), t.size * 4));
  }
  retain(t: Tensor): Tensor {
    (t as GpuTensor).refs++;
    return t;
  }
  release(t: Tensor): void {
    const g = t as GpuTensor;
    if (g.refs <= 0) throw new Error(`tensor ${t.id} released twice`);
    if (--g.refs === 0 && g.buffer) {
      // Commands already recorded still read it; later ones that reuse it run after them, in queue order.
      this.pool.giveBack(g.buffer, g.bytes);
      g.buffer = null;
    }
  }
  async sync(): Promise<void> {
    await this.runner.sync();
  }
  memory() {
    return {
      liveBytes: this.pool.liveBytes,
      pooledBytes: this.pool.pooledBytes,
      peakBytes: this.pool.peakBytes,
    };
  }
  /** Give pooled buffers back to the driver. */
  trim(): void {
    this.runner.flush();
    this.pool.trim();
  }
  dispose(): void {
    this.runner.flush();
    this.pool.trim();
    this.ctx.device.destroy();
  }

  conv(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry): Tensor {
    const ys = convOutputShape(x.shape, w.shape[0], g);
    const y = this.alloc(ys);
    const bufs = b ? [this.b(x), this.b(w), this.b(b), y.buffer!] : [this.b(x), this.b(w), y.buffer!];
    const tiled = this.tiled && tiledConvFits(x.shape, ys, g);
    this.runner.run(tiled ? convTiledWgsl(x.shape, ys, g, !!b) : convForwardWgsl(x.shape, ys, g, !!b), bufs);
    return y;
  }
  convGradInput(dy: Tensor, w: Tensor, xShape: Shape, g: ConvGeometry): Tensor {
    if (this.tiled && g.stride.every((s) => s === 1)) {
      // stride 1: the input gradient is a convolution of dy with the flipped, transposed kernel
      const [co, ci] = [w.shape[0], w.shape[1]];
      const kvol = g.kernel[0] * g.kernel[1] * g.kernel[2];
      const g2: ConvGeometry = {
        kernel: g.kernel,
        stride: g.stride,
        pad: [0, 1, 2].map((a) => g.kernel[a] - 1 - g.pad[a]) as [number, number, number],
      };
      if (tiledConvFits(dy.shape, xShape, g2)) {
        const wt = this.alloc([ci, co, ...g.kernel]);
        this.runner.run(flipTransposeWgsl(co, ci, kvol), [this.b(w), wt.buffer!]);
        const dx = this.alloc(xShape);
        this.runner.run(convTiledWgsl(dy.shape, xShape, g2, false), [this.b(dy), wt.buffer!, dx.buffer!]);
        this.release(wt);
        return dx;
      }
    }
    const dx = this.alloc(xShape);
    this.runner.run(convGradInputWgsl(xShape, dy.shape, g), [this.b(dy), this.b(w), dx.buffer!]);
    return dx;
  }
  convGradWeight(x: Tensor, dy: Tensor, g: ConvGeometry, dw: Tensor, db: Tensor | null): void {
    if (this.tiled && tiledConvFits(x.shape, dy.shape, g)) {
      const chunks = tiledGradWeightChunks(x.shape, dy.shape, g);
      this.splitK(convGradWeightTiledWgsl(x.shape, dy.shape, g, chunks), [this.b(x), this.b(dy)], dw, chunks);
      if (db) this.channelSum(dy, db);
      return;
    }
    const kvol = g.kernel[0] * g.kernel[1] * g.kernel[2];
    const chunks = gradWeightChunks(x.shape[1], dy.shape[1], kvol, dy.shape[0] * numel(dy.shape.slice(2)));
    this.splitK(convGradWeightWgsl(x.shape, dy.shape, g, chunks), [this.b(x), this.b(dy)], dw, chunks);
    if (db) this.channelSum(dy, db);
  }

  /** Runs a split-K weight-gradient kernel into dw, summing the chunk partials when there are several. */
  private splitK(kernel: Kernel, inputs: GPUBuffer[], dw: Tensor, chunks: number): void {
    if (chunks === 1) {
      this.runner.run(kernel, [...inputs, this.b(dw)]);
      return;
    }
    const part = this.alloc([chunks * dw.size]);
    this.runner.run(kernel, [...inputs, part.buffer!]);
    this.runner.run(sumChunksWgsl(dw.size, chunks), [part.buffer!, this.b(dw)]);
    this.release(part);
  }

  private channelSum(t: Tensor, out: Tensor): void {
    this.runner.run(channelSumWgsl(t.shape[0], t.shape[1], numel(t.shape.slice(2))), [
      this.b(t),
      this.b(out),
    ]);
  }

  convTranspose(x: Tensor, w: Tensor, b: Tensor | null, stride: readonly number[]): Tensor {
    const ys = convTransposeOutputShape(x.shape, w.shape[1], stride);
    const y = this.alloc(ys);
    const bufs = b ? [this.b(x), this.b(w), this.b(b), y.buffer!] : [this.b(x), this.b(w), y.buffer!];
    this.runner.run(convTransposeForwardWgsl(x.shape, w.shape[1], stride, !!b), bufs);
    return y;
  }
  convTransposeGradInput(dy: Tensor, w: Tensor, stride: readonly number[]): Tensor {
    const xs = [
      dy.shape[0],
      w.shape[0],
      dy.shape[2] / stride[0],
      dy.shape[3] / stride[1],
      dy.shape[4] / stride[2],
    ];
    const dx = this.alloc(xs);
    this.runner.run(convTransposeGradInputWgsl(xs, w.shape[1], stride), [this.b(dy), this.b(w), dx.buffer!]);
    return dx;
  }
  convTransposeGradWeight(
    x: Tensor,
    dy: Tensor,
    stride: readonly number[],
    dw: Tensor,
    db: Tensor | null,
  ): void {
    const kvol = stride[0] * stride[1] * stride[2];
    const co = dy.shape[1];
    const chunks = gradWeightChunks(x.shape[1], co, kvol, x.shape[0] * numel(x.shape.slice(2)));
    this.splitK(
      convTransposeGradWeightWgsl(x.shape, co, stride, chunks),
      [this.b(x), this.b(dy)],
      dw,
      chunks,
    );
    if (db) this.channelSum(dy, db);
  }

  normAct(x: Tensor, gamma: Tensor, beta: Tensor, eps: number, slope: number) {
    const [n, c] = x.shape;
    const vol = numel(x.shape.slice(2));
    const stats = this.alloc([n, c, 2]);
    this.runner.run(nk.normStatsWgsl(n * c, vol, eps), [this.b(x), stats.buffer!]);
    const y = this.alloc(x.shape);
    this.runner.run(nk.normApplyWgsl(n, c, vol, slope), [
      this.b(x),
      stats.buffer!,
      this.b(gamma),
      this.b(beta),
      y.buffer!,
    ]);
    return { y: y as Tensor, stats: stats as Tensor };
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
    const [n, c] = x.shape;
    const vol = numel(x.shape.slice(2));
    const sums = this.alloc([n, c, 2]);
    this.runner.run(nk.normGradSumsWgsl(n * c, vol, slope), [
      this.b(dy),
      this.b(x),
      this.b(y),
      this.b(stats),
      sums.buffer!,
    ]);
    if (dgamma && dbeta)
      this.runner.run(nk.normGradAffineWgsl(n, c), [sums.buffer!, this.b(dgamma), this.b(dbeta)]);
    let dx: GpuTensor | null = null;
    if (wantDx) {
      dx = this.alloc(x.shape);
      this.runner.run(nk.normGradInputWgsl(n, c, vol, slope), [
        this.b(dy),
        this.b(x),
        this.b(y),
        this.b(stats),
        sums.buffer!,
        this.b(gamma),
        dx.buffer!,
      ]);
    }
    this.release(sums);
    return dx;
  }

  leakyRelu(x: Tensor, slope: number): Tensor {
    const y = this.alloc(x.shape);
    this.runner.run(ew.leakyReluWgsl(x.size, slope), [this.b(x), y.buffer!]);
    return y;
  }
  leakyReluGrad(dy: Tensor, y: Tensor, slope: number): Tensor {
    const dx = this.alloc(dy.shape);
    this.runner.run(ew.leakyReluGradWgsl(dy.size, slope), [this.b(dy), this.b(y), dx.buffer!]);
    return dx;
  }
  add(a: Tensor, b: Tensor): Tensor {
    const y = this.alloc(a.shape);
    this.runner.run(ew.addWgsl(a.size), [this.b(a), this.b(b), y.buffer!]);
    return y;
  }
  addInPlace(a: Tensor, b: Tensor): void {
    this.runner.run(ew.addInPlaceWgsl(a.size), [this.b(a), this.b(b)]);
  }
  concatChannels(a: Tensor, b: Tensor): Tensor {
    const n = a.shape[0];
    const y = this.alloc([n, a.shape[1] + b.shape[1], ...a.shape.slice(2)]);
    const blockA = (a.size / n) * 4;
    const blockB = (b.size / n) * 4;
    for (let i = 0; i < n; i++) {
      this.runner.copy(this.b(a), i * blockA, y.buffer!, i * (blockA + blockB), blockA);
      this.runner.copy(this.b(b), i * blockB, y.buffer!, i * (blockA + blockB) + blockA, blockB);
    }
    return y;
  }
  sliceChannels(x: Tensor, start: number, count: number): Tensor {
    const [n, c] = x.shape;
    const vol = x.size / (n * c);
    const y = this.alloc([n, count, ...x.shape.slice(2)]);
    for (let i = 0; i < n; i++)
      this.runner.copy(this.b(x), (i * c + start) * vol * 4, y.buffer!, i * count * vol * 4, count * vol * 4);
    return y;
  }
  avgPool(x: Tensor, k: readonly number[]): Tensor {
    const ys = [x.shape[0], x.shape[1], ...[0, 1, 2].map((a) => Math.floor(x.shape[2 + a] / k[a]))];
    const y = this.alloc(ys);
    this.runner.run(ew.avgPoolWgsl(x.shape, k), [this.b(x), y.buffer!]);
    return y;
  }
  avgPoolGrad(dy: Tensor, k: readonly number[], xShape: Shape): Tensor {
    const dx = this.alloc(xShape);
    this.runner.run(ew.avgPoolGradWgsl(xShape, k), [this.b(dy), dx.buffer!]);
    return dx;
  }

  segLoss(
    logits: Tensor,
    labels: Tensor,
    opts: { batchDice: boolean; smooth: number; weight: number },
    lossAcc: Tensor,
  ): Tensor {
    const [n, c] = logits.shape;
    const d = { N: n, C: c, VOL: numel(logits.shape.slice(2)) };
    const p = this.alloc(logits.shape);
    const ce = this.alloc([n * d.VOL]);
    const sums = this.alloc([n * c * 3]);
    const cesum = this.alloc([1]);
    const coef = this.alloc([n * c * 2]);
    const r = this.runner;
    r.run(lk.softmaxCeWgsl(d), [this.b(logits), this.b(labels), p.buffer!, ce.buffer!]);
    r.run(lk.diceSumsWgsl(d), [p.buffer!, this.b(labels), sums.buffer!]);
    r.run(sumWgsl(n * d.VOL), [ce.buffer!, cesum.buffer!]);
    r.run(lk.lossFinalizeWgsl(d, opts.batchDice, opts.smooth, opts.weight), [
      sums.buffer!,
      cesum.buffer!,
      coef.buffer!,
      this.b(lossAcc),
    ]);
    r.run(lk.lossGradWgsl(d, opts.batchDice, opts.weight), [p.buffer!, this.b(labels), coef.buffer!]);
    for (const t of [ce, sums, cesum, coef]) this.release(t);
    return p;
  }

  sumSquares(ts: readonly Tensor[], out: Tensor): void {
    for (const t of ts) this.runner.run(sumSquaresWgsl(t.size), [this.b(t), this.b(out)]);
  }
  sgdStep(p: Tensor, grad: Tensor, momentum: Tensor, sumSq: Tensor, h: SgdStepSettings): void {
    const key = `${h.lr},${h.momentum},${h.weightDecay},${h.maxNorm}`;
    if (!this.hyper) this.hyper = this.alloc([4]);
    if (key !== this.hyperKey) {
      this.runner.write(
        this.hyper.buffer!,
        0,
        new Float32Array([h.lr, h.momentum, h.weightDecay, h.maxNorm]),
      );
      this.hyperKey = key;
    }
    this.runner.run(sgdWgsl(p.size, h.first, h.nesterov ?? true), [
      this.b(p),
      this.b(grad),
      this.b(momentum),
      this.b(sumSq),
      this.hyper.buffer!,
    ]);
  }
}
