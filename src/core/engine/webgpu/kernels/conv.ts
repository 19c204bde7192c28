/**
 * WGSL for direct 3-D convolution (any kernel, stride, padding, optional bias) and its two gradients.
 * Each invocation computes a block of output channels for one voxel, so every input value it loads feeds
 * several multiply-adds. The weight gradient is a large reduction (over batch and voxels) into a small
 * tensor: split-K, one workgroup per (input channel, output-channel block, chunk of voxels) with the taps
 * in registers, a workgroup tree reduction, then a pass summing the chunks in order (deterministic).
 */
import type { ConvGeometry, Shape } from '../../tensor';
import { bindings, channelBlock, consts, type Kernel, linear, linearMain, WG } from './common';

function dims(xs: Shape, ys: Shape, g: ConvGeometry) {
  return {
    N: xs[0],
    CI: xs[1],
    D: xs[2],
    H: xs[3],
    W: xs[4],
    CO: ys[1],
    DO: ys[2],
    HO: ys[3],
    WO: ys[4],
    KD: g.kernel[0],
    KH: g.kernel[1],
    KW: g.kernel[2],
    SD: g.stride[0],
    SH: g.stride[1],
    SW: g.stride[2],
    PD: g.pad[0],
    PH: g.pad[1],
    PW: g.pad[2],
    INVOL: xs[2] * xs[3] * xs[4],
    OUTVOL: ys[2] * ys[3] * ys[4],
    KVOL: g.kernel[0] * g.kernel[1] * g.kernel[2],
  };
}

/** Loops over the taps that land inside the input for output voxel (od, oh, ow); body sees id, ih, iw, k. */
const TAPS_FROM_OUTPUT = (body: string) => `
    for (var kd = 0u; kd < KD; kd++) {
      let id = i32(od * SD + kd) - i32(PD);
      if (id < 0 || id >= i32(D)) { continue; }
      for (var kh = 0u; kh < KH; kh++) {
        let ih = i32(oh * SH + kh) - i32(PH);
        if (ih < 0 || ih >= i32(H)) { continue; }
        for (var kw = 0u; kw < KW; kw++) {
          let iw = i32(ow * SW + kw) - i32(PW);
          if (iw < 0 || iw >= i32(W)) { continue; }
          let xi = (u32(id) * H + u32(ih)) * W + u32(iw);
          let k = (kd * KH + kh) * KW + kw;
${body}
        }
      }
    }`;

export function convForwardWgsl(xs: Shape, ys: Shape, g: ConvGeometry, hasBias: boolean): Kernel {
  const d = dims(xs, ys, g);
  const COB = channelBlock(d.CO);
  const NCB = d.CO / COB;
  return linear(
    d.N * NCB * d.OUTVOL,
    `${consts({ ...d, COB, NCB, TOTAL: d.N * NCB * d.OUTVOL })}
${bindings(
  hasBias
    ? [
        ['x', 'read'],
        ['w', 'read'],
        ['b', 'read'],
        ['y', 'read_write'],
      ]
    : [
        ['x', 'read'],
        ['w', 'read'],
        ['y', 'read_write'],
      ],
)}
${linearMain(`
  let sp = i % OUTVOL;
  let r = i / OUTVOL;
  let co0 = (r % NCB) * COB;
  let n = r / NCB;
  let ow = sp % WO;
  let oh = (sp / WO) % HO;
  let od = sp / (WO * HO);
  var acc: array<f32, COB>;
  for (var j = 0u; j < COB; j++) { acc[j] = ${hasBias ? 'b[co0 + j]' : '0.0'}; }
  for (var ci = 0u; ci < CI; ci++) {
    let xb = (n * CI + ci) * INVOL;
    let wb = (co0 * CI + ci) * KVOL;
${TAPS_FROM_OUTPUT(`          let xv = x[xb + xi];
          for (var j = 0u; j < COB; j++) { acc[j] = acc[j] + xv * w[wb + j * CI * KVOL + k]; }`)}
  }
  for (var j = 0u; j < COB; j++) { y[(n * CO + co0 + j) * OUTVOL + sp] = acc[j]; }`)}`,
  );
}

export function convGradInputWgsl(xs: Shape, ys: Shape, g: ConvGeometry): Kernel {
  const d = dims(xs, ys, g);
  const CIB = channelBlock(d.CI);
  const NCIB = d.CI / CIB;
  return linear(
    d.N * NCIB * d.INVOL,
    `${consts({ ...d, CIB, NCIB, TOTAL: d.N * NCIB * d.INVOL })}
${bindings([
  ['dy', 'read'],
  ['w', 'read'],
  ['dx', 'read_write'],
])}
${linearMain(`
  let sp = i % INVOL;
  let r = i / INVOL;
  let ci0 = (r % NCIB) * CIB;
  let n = r / NCIB;
  let iw = i32(sp % W);
  let ih = i32((sp / W) % H);
  let id = i32(sp / (W * H));
  var acc: array<f32, CIB>;
  for (var j = 0u; j < CIB; j++) { acc[j] = 0.0; }
  for (var co = 0u; co < CO; co++) {
    let yb = (n * CO + co) * OUTVOL;
    let wb = (co * CI + ci0) * KVOL;
    for (var kd = 0u; kd < KD; kd++) {
      let td = id + i32(PD) - i32(kd);
      if (td < 0 || u32(td) % SD != 0u || u32(td) / SD >= DO) { continue; }
      let od = u32(td) / SD;
      for (var kh = 0u; kh < KH; kh++) {
        let th = ih + i32(PH) - i32(kh);
        if (th < 0 || u32(th) % SH != 0u || u32(th) / SH >= HO) { continue; }
        let oh = u32(th) / SH;
        for (var kw = 0u; kw < KW; kw++) {
          let tw = iw + i32(PW) - i32(kw);
          if (tw < 0 || u32(tw) % SW != 0u || u32(tw) / SW >= WO) { continue; }
          let gv = dy[yb + (od * HO + oh) * WO + u32(tw) / SW];
          let k = (kd * KH + kh) * KW + kw;
          for (var j = 0u; j < CIB; j++) { acc[j] = acc[j] + gv * w[wb + j * KVOL + k]; }
        }
      }
    }
  }
  for (var j = 0u; j < CIB; j++) { dx[(n * CI + ci0 + j) * INVOL + sp] = acc[j]; }`)}`,
  );
}

/** Output-channel block for a weight-gradient kernel: keep COB·KVOL accumulators ≤ 64. */
export function gradWeightBlock(channels: number, kvol: number): number {
  return channelBlock(channels, Math.max(1, Math.floor(64 / kvol)));
}

/** Number of voxel chunks for split-K: enough workgroups to fill a GPU, each at least 8 rounds long. */
export function gradWeightChunks(pairs: number, positions: number): number {
  const want = Math.ceil(512 / pairs);
  const most = Math.max(1, Math.floor(positions / (WG * 8)));
  return Math.max(1, Math.min(want, most, 65535));
}

/**
 * Workgroup reduction of the ACC = COB·KVOL per-invocation accumulators and the write of chunk `chunk`
 * of the partial result: element (j, k) goes to out[chunk·OUTSIZE + index(j, k)].
 */
export function reduceAccumulators(index: string): string {
  return `
  for (var j = 0u; j < COB; j++) {
    for (var k = 0u; k < KVOL; k++) { sh[lid * KVOL + k] = acc[j * KVOL + k]; }
    workgroupBarrier();
    for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
      if (lid < s) {
        for (var k = 0u; k < KVOL; k++) { sh[lid * KVOL + k] = sh[lid * KVOL + k] + sh[(lid + s) * KVOL + k]; }
      }
      workgroupBarrier();
    }
    for (var k = lid; k < KVOL; k = k + ${WG}u) { out[chunk * OUTSIZE + ${index}] = sh[k]; }
    workgroupBarrier();
  }`;
}

export function convGradWeightWgsl(xs: Shape, ys: Shape, g: ConvGeometry, chunks: number): Kernel {
  const d = dims(xs, ys, g);
  const COB = gradWeightBlock(d.CO, d.KVOL);
  const NCB = d.CO / COB;
  const POS = d.N * d.OUTVOL;
  const PER = Math.ceil(POS / chunks);
  return {
    code: `${consts({ ...d, COB, NCB, ACC: COB * d.KVOL, POS, PER, OUTSIZE: d.CO * d.CI * d.KVOL })}
${bindings([
  ['x', 'read'],
  ['dy', 'read'],
  ['out', 'read_write'],
])}
var<workgroup> sh: array<f32, ${WG * d.KVOL}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let ci = wid.x % CI;
  let co0 = (wid.x / CI) * COB;
  let chunk = wid.y;
  var acc: array<f32, ACC>;
  for (var a = 0u; a < ACC; a++) { acc[a] = 0.0; }
  let end = min((chunk + 1u) * PER, POS);
  for (var p = chunk * PER + lid; p < end; p = p + ${WG}u) {
    let n = p / OUTVOL;
    let sp = p % OUTVOL;
    let ow = sp % WO;
    let oh = (sp / WO) % HO;
    let od = sp / (WO * HO);
    var gv: array<f32, COB>;
    for (var j = 0u; j < COB; j++) { gv[j] = dy[(n * CO + co0 + j) * OUTVOL + sp]; }
    let xb = (n * CI + ci) * INVOL;
${TAPS_FROM_OUTPUT(`          let xv = x[xb + xi];
          for (var j = 0u; j < COB; j++) { acc[j * KVOL + k] = acc[j * KVOL + k] + gv[j] * xv; }`)}
  }
${reduceAccumulators('((co0 + j) * CI + ci) * KVOL + k')}
}`,
    groups: [d.CI * NCB, chunks, 1],
  };
}
