/**
 * WGSL for direct 3-D convolution (any kernel, stride, padding, optional bias) and its two gradients.
 * Each invocation computes a block of output channels for one voxel, so every input value it loads feeds
 * several multiply-adds. The weight gradient is a large reduction (over batch and voxels) into a small
 * tensor: split-K, one workgroup per (input channel, output-channel block, chunk of voxels) with the taps
 * in registers, a workgroup tree reduction, then a pass summing the chunks in order (deterministic).
 */
import type { ConvGeometry, Shape } from '../../tensor';
import type { Kernel } from './common';
import { channelBlockKernel, convDims, OUTPUT_VOXEL, splitKGradWeightKernel } from './conv-frames';

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
  return channelBlockKernel(
    convDims(xs, ys, g),
    'output',
    `${OUTPUT_VOXEL}
  for (var ci = 0u; ci < CI; ci++) {
    let xb = (n * CI + ci) * INVOL;
    let wb = (co0 * CI + ci) * KVOL;
${TAPS_FROM_OUTPUT(`          let xv = x[xb + xi];
          for (var j = 0u; j < COB; j++) { acc[j] = acc[j] + xv * w[wb + j * CI * KVOL + k]; }`)}
  }`,
    hasBias,
  );
}

export function convGradInputWgsl(xs: Shape, ys: Shape, g: ConvGeometry): Kernel {
  return channelBlockKernel(
    convDims(xs, ys, g),
    'inputGrad',
    `
  let iw = i32(sp % W);
  let ih = i32((sp / W) % H);
  let id = i32(sp / (W * H));
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
  }`,
  );
}

export function convGradWeightWgsl(xs: Shape, ys: Shape, g: ConvGeometry, chunks: number): Kernel {
  return splitKGradWeightKernel(
    convDims(xs, ys, g),
    'OUTVOL',
    chunks,
    `${OUTPUT_VOXEL}
    var gv: array<f32, COB>;
    for (var j = 0u; j < COB; j++) { gv[j] = dy[(n * CO + co0 + j) * OUTVOL + sp]; }
    let xb = (n * CI + ci) * INVOL;
${TAPS_FROM_OUTPUT(`          let xv = x[xb + xi];
          for (var j = 0u; j < COB; j++) { acc[j * KVOL + k] = acc[j * KVOL + k] + gv[j] * xv; }`)}`,
    '((co0 + j) * CI + ci) * KVOL + k',
  );
}
