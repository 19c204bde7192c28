import { TesseraError } from '../../errors';
import type { ConvUnit, NetworkLayout, ResidualBlock, TransposedConv } from '../network-layout';
import { networkLayout } from '../network-layout';
import type { NetworkSpec } from '../network-spec';
import { GraphBuilder } from './graph-builder';
import { DataType, encodeModel } from './onnx-proto';

/**
 * The inference network (deep supervision off) as an ONNX model, from a NetworkSpec and its weights.
 *
 * Every op is one the onnxruntime-web WebGPU EP runs (proven in tests with disable_cpu_ep_fallback):
 * Conv, ReduceMean/Sub/Mul/Add/Sqrt/Reciprocal (InstanceNorm), LeakyRelu/Relu, Concat, Reshape, Transpose
 * (+ Cast in fp16; InstanceNormalization with instanceNorm: 'fused').
 * - ConvTranspose (kernel = stride) has no 3-D WebGPU kernel, so it is written as a 1×1 Conv to
 *   Cout·∏stride channels, Reshape [N, Cout, s…, D, H, W], Transpose interleaving each s with its axis,
 *   Reshape [N, Cout, D·s0, H·s1, W·s2] — exact, since kernel = stride means every output voxel gets
 *   exactly one input voxel's contribution.
 * - ResEnc's skip AvgPool(stride) + 1×1 conv is folded into one Conv with kernel = stride = the pool's and
 *   weights W/∏stride (and AvgPool alone into the identity/∏stride conv): no pooling op needed.
 * - BatchNorm (eval) is a per-channel Mul + Add with the running statistics folded in.
 *
 * Input `input` [N, C, *spatial] float32, output `logits` [N, classes, *spatial] float32, N symbolic
 * (`batch`). The fp16 variant stores weights and computes in float16 between a Cast in and a Cast out.
 */
export interface EmitOptions {
  precision?: 'fp32' | 'fp16';
  /**
   * 'precise' (default): InstanceNorm from reductions that match PyTorch to ~1e-5 (see preciseInstanceNorm);
   * 'fused': onnxruntime's InstanceNormalization op (one node, drifts ~3e-2 on the logits).
   */
  instanceNorm?: 'precise' | 'fused';
  /**
   * 'as-conv' (default): ConvTranspose rewritten as 1×1 Conv + Reshape/Transpose (runs on every EP, WebGPU
   * included); 'native': onnxruntime's ConvTranspose (CPU EPs: onnxruntime-node, wasm), one op and no
   * interleaving copy.
   */
  transposedConv?: 'as-conv' | 'native';
  /**
   * 'included' (default): the output is the logits. 'separate': the graph stops at the last decoder
   * stage's features (output `features`, [N, seg-layer inputs, *spatial]); the 1×1 segmentation layer is
   * emitted on its own by `emitSegmentationHead` and applied a few slices at a time, so the classes ×
   * tile logits (0.75 GB at 118 classes) never exist at once.
   */
  segmentationHead?: 'included' | 'separate';
  /**
   * 'op' (default): each decoder stage concatenates [upsampled, skip] and convolves. 'split-conv': the first
   * convolution is split by input channels into two convolutions and an Add (the same sum, no concatenated
   * copy: on a CPU EP that saves a 2 × features full-resolution tensor and its copy per tile).
   */
  concat?: 'op' | 'split-conv';
  /** Spatial input size; default the configuration's patch size. Must be divisible by the strides. */
  spatialShape?: number[];
  inputName?: string;
  outputName?: string;
  /** Written into the model's metadata_props. */
  metadata?: Record<string, string>;
  producerVersion?: string;
}

export const OPSET = 17;

export function emitOnnx(
  spec: NetworkSpec,
  weights: Map<string, Float32Array>,
  options: EmitOptions = {},
): Uint8Array {
  const layout = networkLayout(spec);
  const precision = options.precision ?? 'fp32';
  const spatial = options.spatialShape ?? spec.patchSize;
  checkSpatial(spec, spatial);
  const g = new GraphBuilder(precision);
  const get = (key: string, n: number) => {
    const w = weights.get(key);
    if (!w) throw new TesseraError('bad-model', key, 'weight missing for ONNX export');
    if (w.length !== n) throw new TesseraError('bad-model', key, `has ${w.length} values, expected ${n}`);
    return w;
  };
  const inputName = options.inputName ?? 'input';
  const head = options.segmentationHead ?? 'included';
  const outputName = options.outputName ?? (head === 'included' ? 'logits' : 'features');

  let x = inputName;
  if (precision === 'fp16') x = g.node('Cast', [x], 'input_to_fp16', { to: DataType.FLOAT16 });
  const emitter = new NetworkEmitter(
    g,
    layout,
    get,
    options.instanceNorm ?? 'precise',
    options.transposedConv ?? 'as-conv',
    options.concat ?? 'op',
  );
  const logits = emitter.forward(x, spatial, head === 'included');
  const outChannels = head === 'included' ? spec.numClasses : emitter.segLayer.inChannels;
  if (precision === 'fp16') g.node('Cast', [logits], 'logits_to_fp32', { to: DataType.FLOAT }, outputName);
  else g.node('Identity', [logits], 'logits', undefined, outputName);

  return encodeModel({
    graphName: `${spec.networkClass}_${spec.dim}d`,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: inputName, elemType: DataType.FLOAT, shape: ['batch', spec.inputChannels, ...spatial] }],
    outputs: [{ name: outputName, elemType: DataType.FLOAT, shape: ['batch', outChannels, ...spatial] }],
    opset: OPSET,
    producerName: 'tessera',
    producerVersion: options.producerVersion ?? '0.1.0',
    metadata: options.metadata,
  });
}

/** State-dict prefix of the segmentation layer the inference network uses (the last decoder stage's). */
export function segmentationLayerPrefix(spec: NetworkSpec): string {
  const layout = networkLayout(spec);
  return layout.decoder[layout.decoder.length - 1].segLayer.prefix;
}

/** Channels of the features a network with a separate segmentation head returns. */
export function featureChannels(spec: NetworkSpec): number {
  const layout = networkLayout(spec);
  return layout.decoder[layout.decoder.length - 1].segLayer.inChannels;
}

/** The inference network's 1×1 segmentation layer as a Conv of `input` in graph `g` (weights from `weights`). */
function segmentationConv(
  g: GraphBuilder,
  spec: NetworkSpec,
  weights: Map<string, Float32Array>,
  input: string,
  output?: string,
): { seg: { prefix: string; inChannels: number; outChannels: number }; logits: string } {
  const layout = networkLayout(spec);
  const seg = layout.decoder[layout.decoder.length - 1].segLayer;
  const get = (key: string, n: number) => {
    const w = weights.get(key);
    if (!w || w.length !== n) throw new TesseraError('bad-model', key, 'segmentation layer weight missing');
    return w;
  };
  const k = ones(spec.dim);
  const w = g.weight(`${seg.prefix}.weight`, get(`${seg.prefix}.weight`, seg.outChannels * seg.inChannels), [
    seg.outChannels,
    seg.inChannels,
    ...k,
  ]);
  const b = g.weight(`${seg.prefix}.bias`, get(`${seg.prefix}.bias`, seg.outChannels), [seg.outChannels]);
  const attributes = {
    kernel_shape: k,
    strides: k,
    pads: new Array(2 * spec.dim).fill(0),
    dilations: k,
    group: 1,
  };
  return { seg, logits: g.node('Conv', [input, w, b], `${seg.prefix}/Conv`, attributes, output) };
}

/**
 * The 1×1 segmentation layer alone (see `segmentationHead: 'separate'`): `features` [N, C, z, y, x] →
 * `logits` [N, classes, z, y, x], any spatial size, float32.
 */
export function emitSegmentationHead(
  spec: NetworkSpec,
  weights: Map<string, Float32Array>,
  options: Pick<EmitOptions, 'metadata' | 'producerVersion'> = {},
): Uint8Array {
  const g = new GraphBuilder('fp32');
  const { seg } = segmentationConv(g, spec, weights, 'features', 'logits');
  const axes = ['z', 'y', 'x'].slice(3 - spec.dim);
  return encodeModel({
    graphName: `${spec.networkClass}_segmentation_head`,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: 'features', elemType: DataType.FLOAT, shape: ['batch', seg.inChannels, ...axes] }],
    outputs: [{ name: 'logits', elemType: DataType.FLOAT, shape: ['batch', seg.outChannels, ...axes] }],
    opset: OPSET,
    producerName: 'tessera',
    producerVersion: options.producerVersion ?? '0.1.0',
    metadata: options.metadata,
  });
}

/**
 * The segmentation layer fused with nnU-Net's float16 accumulation, for one z slice of a tile that spans
 * the padded image's plane: `features` [1, C, 1, y, x] float32, `accumulator` [1, K, 1, y, x] float16 and
 * `gaussian` [1, 1, 1, y, x] float32 → `accumulated` = half(float(accumulator) + float32(logits × gaussian))
 * [1, K, 1, y, x] float16 — `predicted_logits[sl] += prediction * gaussian` exactly (the casts round to
 * nearest even, as torch's), in onnxruntime's threads instead of JavaScript.
 *
 * `output: 'labels'` is for a slice that this tile alone covers, with one fold: its sums are then
 * half(logits × g) and its weight g, so the graph goes on to nnU-Net's division and argmax —
 * `labels` [1, y, x] int64 = first argmax over classes of half(float(sum) / g) — and neither the K × plane
 * sums nor the division come back to JavaScript. (Without the accumulator's add a −0 sum stays −0; it
 * compares equal to +0, so no label changes.)
 */
export function emitAccumulatingHead(
  spec: NetworkSpec,
  weights: Map<string, Float32Array>,
  output: 'sums' | 'labels' = 'sums',
): Uint8Array {
  if (spec.dim !== 3) throw new TesseraError('bad-argument', 'accumulating head', 'is for 3-D networks');
  const g = new GraphBuilder('fp32');
  const { seg, logits } = segmentationConv(g, spec, weights, 'features');
  const weighted = g.node('Mul', [logits, 'gaussian'], 'prediction_times_gaussian');
  const plane = ['y', 'x'];
  const features = { name: 'features', elemType: DataType.FLOAT, shape: [1, seg.inChannels, 1, ...plane] };
  const gaussian = { name: 'gaussian', elemType: DataType.FLOAT, shape: [1, 1, 1, ...plane] };
  const sums = [1, seg.outChannels, 1, ...plane];
  const toHalfAndBack = (x: string, name: string) =>
    g.node('Cast', [g.node('Cast', [x], `${name}_to_half`, { to: DataType.FLOAT16 })], `${name}_half_value`, {
      to: DataType.FLOAT,
    });
  if (output === 'labels') {
    const quotient = g.node('Div', [toHalfAndBack(weighted, 'sum'), 'gaussian'], 'divide_by_weight');
    g.node('ArgMax', [toHalfAndBack(quotient, 'quotient')], 'argmax', { axis: 1, keepdims: 0 }, 'labels');
  } else {
    const sum32 = g.node('Cast', ['accumulator'], 'accumulator_to_float', { to: DataType.FLOAT });
    const sum = g.node('Add', [sum32, weighted], 'accumulate');
    g.node('Cast', [sum], 'accumulated_to_half', { to: DataType.FLOAT16 }, 'accumulated');
  }
  return encodeModel({
    graphName: `${spec.networkClass}_${output === 'labels' ? 'labels' : 'accumulating'}_head`,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs:
      output === 'labels'
        ? [features, gaussian]
        : [features, { name: 'accumulator', elemType: DataType.FLOAT16, shape: sums }, gaussian],
    outputs: [
      output === 'labels'
        ? { name: 'labels', elemType: DataType.INT64, shape: [1, 1, ...plane] }
        : { name: 'accumulated', elemType: DataType.FLOAT16, shape: sums },
    ],
    opset: OPSET,
    producerName: 'tessera',
    producerVersion: '0.1.0',
  });
}

function checkSpatial(spec: NetworkSpec, spatial: number[]) {
  if (spatial.length !== spec.dim)
    throw new TesseraError('bad-argument', 'spatial shape', `needs ${spec.dim} axes, got [${spatial}]`);
  const total = spec.strides.reduce((acc, s) => acc.map((a, i) => a * s[i]), new Array(spec.dim).fill(1));
  spatial.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 1 || n % total[i] !== 0)
      throw new TesseraError(
        'bad-argument',
        'spatial shape',
        `[${spatial}] must be divisible by the network's total stride [${total}] on every axis`,
      );
  });
}

class NetworkEmitter {
  constructor(
    private readonly g: GraphBuilder,
    private readonly layout: NetworkLayout,
    private readonly get: (key: string, n: number) => Float32Array,
    private readonly instanceNorm: 'precise' | 'fused',
    private readonly transposedConvOp: 'as-conv' | 'native',
    private readonly concatOp: 'op' | 'split-conv' = 'op',
  ) {}

  get segLayer() {
    return this.layout.decoder[this.layout.decoder.length - 1].segLayer;
  }

  /** The network from input to logits, or to the seg layer's input when `withHead` is false. */
  forward(x: string, spatial: number[], withHead = true): string {
    const { layout } = this;
    let size = spatial;
    if (layout.stem) x = this.convUnit(layout.stem, x);
    const skips: { name: string; size: number[] }[] = [];
    for (const stage of layout.encoder) {
      for (const c of stage.convs) x = this.convUnit(c, x);
      for (const b of stage.blocks) x = this.residualBlock(b, x);
      size = size.map((n, i) => n / stage.stride[i]);
      skips.push({ name: x, size });
    }
    for (let d = 0; d < layout.decoder.length; d++) {
      const stage = layout.decoder[d];
      const below = skips[skips.length - 1 - d];
      const skip = skips[skips.length - 2 - d];
      const up = this.transposedConv(stage.transpconv, x, below.size);
      if (this.concatOp === 'split-conv' && stage.convs.length > 0) {
        const [first, ...rest] = stage.convs;
        x = this.convUnitOverConcat(first, up, skip.name, stage.transpconv.outChannels);
        for (const c of rest) x = this.convUnit(c, x);
        continue;
      }
      x = this.g.node('Concat', [up, skip.name], `${stage.transpconv.prefix}/concat`, { axis: 1 });
      for (const c of stage.convs) x = this.convUnit(c, x);
    }
    if (!withHead) return x;
    const seg = this.segLayer;
    return this.conv(
      seg.prefix,
      x,
      seg.inChannels,
      seg.outChannels,
      ones(layout.spec.dim),
      ones(layout.spec.dim),
      true,
    );
  }

  /** A plain Conv from state-dict weights `${prefix}.weight` / `.bias`. */
  private conv(
    prefix: string,
    x: string,
    cin: number,
    cout: number,
    kernel: number[],
    stride: number[],
    bias: boolean,
    padding = kernel.map(() => 0),
  ): string {
    const k = kernel.reduce((a, b) => a * b, 1);
    const w = this.g.weight(`${prefix}.weight`, this.get(`${prefix}.weight`, cout * cin * k), [
      cout,
      cin,
      ...kernel,
    ]);
    const inputs = [x, w];
    if (bias) inputs.push(this.g.weight(`${prefix}.bias`, this.get(`${prefix}.bias`, cout), [cout]));
    return this.g.node('Conv', inputs, `${prefix}/Conv`, {
      kernel_shape: kernel,
      strides: stride,
      pads: [...padding, ...padding],
      dilations: ones(kernel.length),
      group: 1,
    });
  }

  private convUnit(u: ConvUnit, x: string): string {
    x = this.conv(`${u.prefix}.conv`, x, u.inChannels, u.outChannels, u.kernel, u.stride, u.bias, u.padding);
    if (u.nonlinFirst) {
      x = this.nonlin(u, x);
      return this.norm(u, x);
    }
    x = this.norm(u, x);
    return this.nonlin(u, x);
  }

  /** convUnit over [a, b] concatenated on channels (a has `ca`), as conv(a, W[:, :ca]) + conv(b, W[:, ca:]). */
  private convUnitOverConcat(u: ConvUnit, a: string, b: string, ca: number): string {
    const k = u.kernel.reduce((p, q) => p * q, 1);
    const cin = u.inChannels;
    const cout = u.outChannels;
    const w = this.get(`${u.prefix}.conv.weight`, cout * cin * k);
    const part = (from: number, to: number) => {
      const out = new Float32Array(cout * (to - from) * k);
      for (let o = 0; o < cout; o++)
        out.set(w.subarray((o * cin + from) * k, (o * cin + to) * k), o * (to - from) * k);
      return out;
    };
    const attrs = {
      kernel_shape: u.kernel,
      strides: u.stride,
      pads: [...u.padding, ...u.padding],
      dilations: ones(u.kernel.length),
      group: 1,
    };
    const inA = [a, this.g.weight(`${u.prefix}.conv.weight_up`, part(0, ca), [cout, ca, ...u.kernel])];
    if (u.bias)
      inA.push(this.g.weight(`${u.prefix}.conv.bias`, this.get(`${u.prefix}.conv.bias`, cout), [cout]));
    const ya = this.g.node('Conv', inA, `${u.prefix}.conv/Conv_up`, attrs);
    const wb = this.g.weight(`${u.prefix}.conv.weight_skip`, part(ca, cin), [cout, cin - ca, ...u.kernel]);
    const yb = this.g.node('Conv', [b, wb], `${u.prefix}.conv/Conv_skip`, attrs);
    let x = this.g.node('Add', [ya, yb], `${u.prefix}.conv/Add`);
    if (u.nonlinFirst) {
      x = this.nonlin(u, x);
      return this.norm(u, x);
    }
    x = this.norm(u, x);
    return this.nonlin(u, x);
  }

  private norm(u: ConvUnit, x: string): string {
    const n = u.norm;
    if (!n) return x;
    const c = u.outChannels;
    const p = `${u.prefix}.norm`;
    const scale = n.affine ? this.get(`${p}.weight`, c) : new Float32Array(c).fill(1);
    const shift = n.affine ? this.get(`${p}.bias`, c) : new Float32Array(c);
    if (n.op === 'InstanceNorm' && this.instanceNorm === 'precise')
      return this.preciseInstanceNorm(x, p, scale, shift, n.eps);
    if (n.op === 'InstanceNorm') {
      const s = this.g.weight(`${p}.weight`, scale, [c]);
      const b = this.g.weight(`${p}.bias`, shift, [c]);
      return this.g.node('InstanceNormalization', [x, s, b], `${p}/InstanceNormalization`, {
        epsilon: { float: n.eps },
      });
    }
    // BatchNorm at inference: y = x·s + t, s = γ / sqrt(var + eps), t = β − mean·s (in float64, then rounded).
    const mean = n.trackRunningStats ? this.get(`${p}.running_mean`, c) : new Float32Array(c);
    const variance = n.trackRunningStats ? this.get(`${p}.running_var`, c) : new Float32Array(c).fill(1);
    const s = new Float32Array(c);
    const t = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      const k = scale[i] / Math.sqrt(variance[i] + n.eps);
      s[i] = k;
      t[i] = shift[i] - mean[i] * k;
    }
    const bshape = [c, ...ones(this.layout.spec.dim)];
    const mul = this.g.node('Mul', [x, this.g.weight(`${p}.folded_scale`, s, bshape)], `${p}/Mul`);
    return this.g.node('Add', [mul, this.g.weight(`${p}.folded_shift`, t, bshape)], `${p}/Add`);
  }

  /**
   * InstanceNorm from ReduceMean/Sub/Mul/Add/Sqrt/Reciprocal. onnxruntime's InstanceNormalization sums a
   * whole feature map (≈ 0.5 M voxels) in one float32 accumulator and drifts (4e-3 per layer on wasm,
   * 3e-2 on the logits); reducing one axis at a time (means of means of ≤ ~128 values, exact for equal
   * groups) and taking the variance around the mean (two passes) matches PyTorch to ~1e-5.
   */
  private preciseInstanceNorm(
    x: string,
    p: string,
    scale: Float32Array,
    shift: Float32Array,
    eps: number,
  ): string {
    const { g } = this;
    const dim = this.layout.spec.dim;
    const c = scale.length;
    const mean = (t: string, what: string) => {
      for (let a = dim + 1; a >= 2; a--)
        t = g.node('ReduceMean', [t], `${p}/${what}_axis${a}`, { axes: [a], keepdims: 1 });
      return t;
    };
    const centered = g.node('Sub', [x, mean(x, 'mean')], `${p}/Sub`);
    const variance = mean(g.node('Mul', [centered, centered], `${p}/square`), 'var');
    const std = g.node(
      'Sqrt',
      [g.node('Add', [variance, g.weight(`${p}.eps`, new Float32Array([eps]), [])], `${p}/add_eps`)],
      `${p}/Sqrt`,
    );
    const bshape = [c, ...ones(dim)];
    // (1/std)·γ is per (n, c): the full-size tensor is touched by one Mul and one Add only.
    const k = g.node(
      'Mul',
      [g.node('Reciprocal', [std], `${p}/Reciprocal`), g.weight(`${p}.weight`, scale, bshape)],
      `${p}/scale`,
    );
    const y = g.node('Mul', [centered, k], `${p}/normalize`);
    return g.node('Add', [y, g.weight(`${p}.bias`, shift, bshape)], `${p}/shift`);
  }

  private nonlin(u: { prefix: string; nonlin: ConvUnit['nonlin'] }, x: string, suffix = 'nonlin'): string {
    const n = u.nonlin;
    if (!n) return x;
    if (n.op === 'ReLU') return this.g.node('Relu', [x], `${u.prefix}.${suffix}/Relu`);
    return this.g.node('LeakyRelu', [x], `${u.prefix}.${suffix}/LeakyRelu`, {
      alpha: { float: n.negativeSlope },
    });
  }

  private residualBlock(b: ResidualBlock, x: string): string {
    const main = this.convUnit(b.conv2, this.convUnit(b.conv1, x));
    let skip = x;
    if (b.skipPool || b.skipConv) skip = this.skipPath(b, x);
    const sum = this.g.node('Add', [main, skip], `${b.prefix}/Add`);
    return this.nonlin(b, sum, 'nonlin2');
  }

  /** AvgPool(k = s, stride s) then 1×1 conv (+ norm), as one strided Conv with weights W / ∏s. */
  private skipPath(b: ResidualBlock, x: string): string {
    const dim = this.layout.spec.dim;
    const pool = b.skipPool ?? ones(dim);
    const k = pool.reduce((a, c) => a * c, 1);
    const cin = b.conv1.inChannels;
    const cout = b.conv1.outChannels;
    let w1: Float32Array;
    let prefix: string;
    if (b.skipConv) {
      prefix = `${b.skipConv.prefix}.conv`;
      w1 = this.get(`${prefix}.weight`, cout * cin);
    } else {
      // stride without a channel change: AvgPool alone = identity 1×1 conv
      prefix = `${b.prefix}.skip.0`;
      w1 = new Float32Array(cout * cin);
      for (let i = 0; i < cout; i++) w1[i * cin + i] = 1;
    }
    const w = new Float32Array(cout * cin * k);
    for (let o = 0; o < cout * cin; o++) w.fill(w1[o] / k, o * k, (o + 1) * k);
    const wName = this.g.weight(`${prefix}.weight_pooled`, w, [cout, cin, ...pool]);
    let y = this.g.node('Conv', [x, wName], `${prefix}/Conv`, {
      kernel_shape: pool,
      strides: pool,
      pads: new Array(2 * dim).fill(0),
      dilations: ones(dim),
      group: 1,
    });
    if (b.skipConv) y = this.norm(b.skipConv, y);
    return y;
  }

  /** ConvTranspose(kernel = stride) as 1×1 Conv + Reshape + Transpose + Reshape (see the header). */
  private transposedConv(t: TransposedConv, x: string, size: number[]): string {
    const { g } = this;
    const s = t.stride;
    const dim = s.length;
    const k = s.reduce((a, b) => a * b, 1);
    const cin = t.inChannels;
    const cout = t.outChannels;
    const w = this.get(`${t.prefix}.weight`, cin * cout * k); // [cin, cout, s...]
    if (this.transposedConvOp === 'native') {
      const inputs = [x, g.weight(`${t.prefix}.weight`, w, [cin, cout, ...s])];
      if (t.bias) inputs.push(g.weight(`${t.prefix}.bias`, this.get(`${t.prefix}.bias`, cout), [cout]));
      return g.node('ConvTranspose', inputs, `${t.prefix}/ConvTranspose`, {
        kernel_shape: s,
        strides: s,
        pads: new Array(2 * dim).fill(0),
        dilations: ones(dim),
        group: 1,
      });
    }
    // 1×1 conv weight [(cout, s...), cin]: W'[(o, a), i] = W[i, o, a]
    const w2 = new Float32Array(cout * k * cin);
    for (let i = 0; i < cin; i++)
      for (let o = 0; o < cout; o++)
        for (let a = 0; a < k; a++) w2[(o * k + a) * cin + i] = w[(i * cout + o) * k + a];
    const inputs = [x, g.weight(`${t.prefix}.weight_as_conv`, w2, [cout * k, cin, ...ones(dim)])];
    if (t.bias) {
      const b = this.get(`${t.prefix}.bias`, cout);
      const b2 = new Float32Array(cout * k);
      for (let o = 0; o < cout; o++) b2.fill(b[o], o * k, (o + 1) * k);
      inputs.push(g.weight(`${t.prefix}.bias_as_conv`, b2, [cout * k]));
    }
    const y = g.node('Conv', inputs, `${t.prefix}/Conv`, {
      kernel_shape: ones(dim),
      strides: ones(dim),
      pads: new Array(2 * dim).fill(0),
      dilations: ones(dim),
      group: 1,
    });
    // [N, cout·k, *size] → [N, cout, s0, s1(, s2), *size] → interleave → [N, cout, size0·s0, …]
    const split = g.int64(`${t.prefix}/split_shape`, [0, cout, ...s, ...size]);
    const r1 = g.node('Reshape', [y, split], `${t.prefix}/Reshape_split`);
    const perm = [0, 1];
    for (let a = 0; a < dim; a++) perm.push(2 + dim + a, 2 + a);
    const tr = g.node('Transpose', [r1], `${t.prefix}/Transpose`, { perm });
    const merged = g.int64(`${t.prefix}/merged_shape`, [0, cout, ...size.map((n, a) => n * s[a])]);
    return g.node('Reshape', [tr, merged], `${t.prefix}/Reshape_merge`);
  }
}

const ones = (n: number) => new Array(n).fill(1);
