import { Runner } from '../gpu/runner';
import {
  CpuTileAccumulator,
  type SliceSums,
  type TileAccumulator,
  type TileGeometry,
} from './tile-accumulator';

/** A network output left on the GPU (onnxruntime-web's `preferredOutputLocation: 'gpu-buffer'` tensors). */
export interface GpuOutput {
  gpuBuffer: GPUBuffer;
  dims: readonly number[];
  /** download to the CPU (onnxruntime's Tensor.getData) */
  getData(): Promise<unknown>;
  dispose(): void;
}

const WG = 256;

function gpuOutputLength(out: GpuOutput): number {
  return out.dims.reduce((a, b) => a * b, 1);
}

/**
 * nnU-Net's tile arithmetic in WGSL, so the network's logits never leave the GPU tile by tile: only finished
 * z slices are read back. The float semantics are the CPU accumulator's, bit for bit: float32 adds and
 * products (correctly rounded in WGSL), division of the TTA sum by a power of two as an exact product, and
 * float16 rounding (nearest, ties to even) done on the bits, since WGSL's own f32→f16 conversions may round
 * either way.
 */
const SHADER = /* wgsl */ `
struct Params {
  K: u32, Pz: u32, Py: u32, Px: u32,
  Y: u32, X: u32, D: u32, z0: u32,
  y0: u32, x0: u32, flip: u32, first: u32,
  invN: f32, useGauss: u32, count: u32, rowStride: u32,
};
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> gauss: array<f32>;

fn round_half(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  let s = b & 0x80000000u;
  let a = b & 0x7fffffffu;
  if (a >= 0x7f800000u) { return x; }
  if (a >= 0x477ff000u) { return bitcast<f32>(s | 0x7f800000u); }
  if (a < 0x38800000u) {
    let m = round(bitcast<f32>(a) * 16777216.0) / 16777216.0;
    return bitcast<f32>(s | bitcast<u32>(m));
  }
  let low = a & 0x1fffu;
  var hi = a & 0xffffe000u;
  if (low > 0x1000u || (low == 0x1000u && (a & 0x2000u) != 0u)) { hi = hi + 0x2000u; }
  return bitcast<f32>(s | hi);
}

fn index_of(gid: vec3<u32>) -> u32 { return gid.y * p.rowStride + gid.x; }

// TTA: sum (or start) the prediction, flipped back along the flagged tile axes (1 = z, 2 = y, 4 = x).
@compute @workgroup_size(${WG}) fn tta_add(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = index_of(gid);
  if (i >= p.count) { return; }
  let tile = p.Pz * p.Py * p.Px;
  let k = i / tile;
  var r = i % tile;
  var dz = r / (p.Py * p.Px);
  r = r % (p.Py * p.Px);
  var dy = r / p.Px;
  var dx = r % p.Px;
  if ((p.flip & 1u) != 0u) { dz = p.Pz - 1u - dz; }
  if ((p.flip & 2u) != 0u) { dy = p.Py - 1u - dy; }
  if ((p.flip & 4u) != 0u) { dx = p.Px - 1u - dx; }
  let v = src[k * tile + (dz * p.Py + dy) * p.Px + dx];
  if (p.first != 0u) { dst[i] = v; } else { dst[i] = dst[i] + v; }
}

// predicted_logits[sl] += (sum / n) * gaussian, into the ring of slices (slot = z mod D); src = the TTA sum.
@compute @workgroup_size(${WG}) fn accumulate(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = index_of(gid);
  if (i >= p.count) { return; }
  let tile = p.Pz * p.Py * p.Px;
  let k = i / tile;
  let t = i % tile;
  let dz = t / (p.Py * p.Px);
  let r = t % (p.Py * p.Px);
  let dy = r / p.Px;
  let dx = r % p.Px;
  var q = src[i] * p.invN;
  if (p.useGauss != 0u) { q = q * gauss[t]; }
  let slot = (p.z0 + dz) % p.D;
  let a = ((slot * p.K + k) * p.Y + p.y0 + dy) * p.X + p.x0 + dx;
  dst[a] = round_half(dst[a] + q);
}

// n_predictions[sl] += gaussian (float16).
@compute @workgroup_size(${WG}) fn weights(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = index_of(gid);
  if (t >= p.count) { return; }
  let dz = t / (p.Py * p.Px);
  let r = t % (p.Py * p.Px);
  let dy = r / p.Px;
  let dx = r % p.Px;
  var g = 1.0;
  if (p.useGauss != 0u) { g = gauss[t]; }
  let slot = (p.z0 + dz) % p.D;
  let a = (slot * p.Y + p.y0 + dy) * p.X + p.x0 + dx;
  dst[a] = round_half(dst[a] + g);
}
`;

type AccumulatorGeometry = Pick<TileGeometry, 'K' | 'patch' | 'padded' | 'folds' | 'evaluationsPerTile'>;

/** With one evaluation per tile (no TTA) the network's output is accumulated as it is: no K × tile sum. */
function keepsSum(g: AccumulatorGeometry): boolean {
  return (g.evaluationsPerTile ?? 1) > 1;
}

/**
 * Bytes the GPU accumulator needs: one ring of patch-depth slices per fold, the weights, the network's own
 * output and, with TTA, the K × tile sum of its evaluations.
 */
export function gpuAccumulatorBytes(g: AccumulatorGeometry): {
  perBuffer: number;
  total: number;
} {
  const plane = g.padded[1] * g.padded[2];
  const perBuffer = g.patch[0] * g.K * plane * 4;
  const tileBytes = g.K * g.patch[0] * g.patch[1] * g.patch[2] * 4;
  return {
    perBuffer,
    total: perBuffer * g.folds + g.patch[0] * plane * 4 + (keepsSum(g) ? 2 : 1) * tileBytes,
  };
}

/** Whether it pays and fits: every buffer within the device's binding limit and the whole within `budget`. */
export function gpuAccumulatorFits(device: GPUDevice, g: AccumulatorGeometry, budget = 2 ** 30): boolean {
  const { perBuffer, total } = gpuAccumulatorBytes(g);
  return (
    perBuffer <= Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize) &&
    total <= budget
  );
}

export class GpuTileAccumulator implements TileAccumulator<GpuOutput> {
  /** the TTA sum (null without TTA: the one evaluation is accumulated from its own buffer) */
  private readonly sum: GPUBuffer | null;
  private pending: GpuOutput | null = null;
  private readonly acc: GPUBuffer[];
  private readonly weight: GPUBuffer;
  private readonly gauss: GPUBuffer;
  private readonly touched = new Set<number>();
  private readonly plane: number;
  private readonly tileVox: number;
  private readonly D: number;

  private readonly device: GPUDevice;

  /** `runner` is the project's one WebGPU runtime (gpu/runner.ts) on the device onnxruntime computes on. */
  constructor(
    private readonly runner: Runner,
    private readonly g: TileGeometry,
  ) {
    const device = runner.device;
    this.device = device;
    const [Pz, Py, Px] = g.patch;
    this.tileVox = Pz * Py * Px;
    this.plane = g.padded[1] * g.padded[2];
    // Before a tile row at z0 runs, every slice below z0 has been taken: the live slices are [z0, z0 + Pz).
    this.D = Pz;
    const storage = (size: number) =>
      device.createBuffer({
        size: Math.max(4, size),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
    this.sum = keepsSum(g) ? storage(g.K * this.tileVox * 4) : null;
    this.acc = Array.from({ length: g.folds }, () => storage(this.D * g.K * this.plane * 4));
    this.weight = storage(this.D * this.plane * 4);
    this.gauss = storage(this.tileVox * 4);
    if (g.gaussian) runner.write(this.gauss, 0, g.gaussian);
  }

  outputLength(out: GpuOutput): number {
    return gpuOutputLength(out);
  }

  private params(o: {
    z0?: number;
    y0?: number;
    x0?: number;
    flip?: number;
    first?: boolean;
    invN?: number;
    count: number;
  }): { buffer: GPUBuffer; groups: [number, number] } {
    const [Pz, Py, Px] = this.g.patch;
    const groups = Math.ceil(o.count / WG);
    const gx = Math.min(groups, 65535);
    const gy = Math.ceil(groups / gx);
    const u = new Uint32Array(16);
    const f = new Float32Array(u.buffer);
    u.set([
      this.g.K,
      Pz,
      Py,
      Px,
      this.g.padded[1],
      this.g.padded[2],
      this.D,
      o.z0 ?? 0,
      o.y0 ?? 0,
      o.x0 ?? 0,
      o.flip ?? 0,
      o.first ? 1 : 0,
    ]);
    f[12] = o.invN ?? 1;
    u[13] = this.g.gaussian ? 1 : 0;
    u[14] = o.count;
    u[15] = gx * WG;
    const buffer = this.device.createBuffer({
      size: 64,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.runner.write(buffer, 0, u);
    return { buffer, groups: [gx, gy] };
  }

  private run(
    name: 'tta_add' | 'accumulate' | 'weights',
    params: { buffer: GPUBuffer; groups: [number, number] },
    src: GPUBuffer | null,
    dst: GPUBuffer,
  ): void {
    this.runner.run({ code: SHADER, entryPoint: name, groups: [params.groups[0], params.groups[1], 1] }, [
      params.buffer,
      src,
      dst,
      name === 'tta_add' ? null : this.gauss,
    ]);
    // submitted before its uniforms go (one dispatch in flight per submit, as the tile loop awaits nothing)
    this.runner.flush();
    params.buffer.destroy();
  }

  addEvaluation(out: GpuOutput, flip: number[], first: boolean): void {
    if (!this.sum) {
      if (!first || flip.length) throw new Error('the accumulator was planned for one evaluation per tile');
      this.pending = out;
      return;
    }
    // tensor axes 2, 3, 4 (3-D) or 2, 3 (2-D: the tile's y, x) → bits z = 1, y = 2, x = 4
    const spatial = this.g.outShape.length - 2;
    let bits = 0;
    for (const a of flip) bits |= 1 << (a - 2 + (3 - spatial));
    this.run(
      'tta_add',
      this.params({ flip: bits, first, count: this.g.K * this.tileVox }),
      out.gpuBuffer,
      this.sum,
    );
    // queue order keeps the read before onnxruntime reuses the buffer
    out.dispose();
  }

  commitTile(fold: number, origin: number[], n: number): void {
    for (let z = origin[0]; z < origin[0] + this.g.patch[0]; z++) this.touched.add(z);
    const src = this.sum ?? this.pending?.gpuBuffer;
    if (!src) throw new Error('commitTile before addEvaluation');
    this.run(
      'accumulate',
      this.params({
        z0: origin[0],
        y0: origin[1],
        x0: origin[2],
        invN: 1 / n,
        count: this.g.K * this.tileVox,
      }),
      src,
      this.acc[fold],
    );
    // submitted (run flushes) before the output goes back to its runtime
    this.pending?.dispose();
    this.pending = null;
  }

  addWeights(origin: number[]): void {
    this.run(
      'weights',
      this.params({ z0: origin[0], y0: origin[1], x0: origin[2], count: this.tileVox }),
      null,
      this.weight,
    );
  }

  async takeSlice(z: number): Promise<SliceSums | null> {
    if (!this.touched.delete(z)) return null;
    const slot = z % this.D;
    const block = this.g.K * this.plane * 4;
    const wBlock = this.plane * 4;
    // the slot's sums of every fold and its weights, gathered into one buffer, read once, then cleared
    const bytes = block * this.acc.length + wBlock;
    const gather = this.device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.acc.forEach((buf, f) => {
      this.runner.copy(buf, slot * block, gather, f * block, block);
    });
    this.runner.copy(this.weight, slot * wBlock, gather, this.acc.length * block, wBlock);
    const all = new Float32Array(await this.runner.read(gather, bytes));
    gather.destroy();
    for (const buf of this.acc) this.runner.clearRange(buf, slot * block, block);
    this.runner.clearRange(this.weight, slot * wBlock, wBlock);
    this.runner.flush();
    const n = this.g.K * this.plane;
    return {
      half: false,
      logits: this.acc.map((_, f) => all.slice(f * n, (f + 1) * n)),
      weight: all.slice(this.acc.length * n, this.acc.length * n + this.plane),
    };
  }

  release(): void {
    this.pending?.dispose();
    for (const b of [this.sum, ...this.acc, this.weight, this.gauss]) b?.destroy();
  }
}

/** GPU outputs read back tile by tile into the CPU accumulator: for windows too large for GPU memory. */
class ReadbackAccumulator implements TileAccumulator<GpuOutput> {
  private readonly cpu: CpuTileAccumulator;
  constructor(g: TileGeometry) {
    this.cpu = new CpuTileAccumulator(g);
  }
  outputLength(out: GpuOutput): number {
    return gpuOutputLength(out);
  }
  async addEvaluation(out: GpuOutput, flip: number[], first: boolean): Promise<void> {
    const data = (await out.getData()) as Float32Array;
    out.dispose();
    this.cpu.addEvaluation(data, flip, first);
  }
  commitTile(fold: number, origin: number[], n: number): void {
    this.cpu.commitTile(fold, origin, n);
  }
  addWeights(origin: number[]): void {
    this.cpu.addWeights(origin);
  }
  takeSlice(z: number): Promise<SliceSums | null> {
    return this.cpu.takeSlice(z);
  }
}

/**
 * Tile arithmetic for networks whose outputs stay on the GPU: on the GPU when the slab of accumulators fits
 * the device's limits and `budget` (that is where it pays: no per-tile readback), else read back per tile.
 */
export function gpuAccumulatorFactory(
  device: GPUDevice,
  budget = 2 ** 30,
): (g: TileGeometry) => TileAccumulator<GpuOutput> {
  let runner: Runner | null = null;
  return (g) => {
    if (!gpuAccumulatorFits(device, g, budget)) return new ReadbackAccumulator(g);
    runner ??= new Runner(device);
    return new GpuTileAccumulator(runner, g);
  };
}
