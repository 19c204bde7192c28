/**
 * Tiled convolution kernels (workgroup memory). A workgroup owns a 64-voxel output tile (4×4×4, or 1×8×8
 * for 2-D-like layers) and a block of output channels; for each group of input channels it stages the
 * input tile with its halo (zero padding written in, so the inner loop has no bounds checks) and the
 * weights in workgroup memory, then every invocation accumulates its voxel over the kernel taps.
 *
 * - convTiledWgsl: forward (and, on transposed-flipped weights, the input gradient of a stride-1 conv).
 * - convGradWeightTiledWgsl: weight gradient, split-K over tiles: per tile, input and output-gradient tiles
 *   are staged and each invocation accumulates (tap, out-channel, in-channel) triples over the tile.
 * - flipTransposeWgsl: w[co][ci][k] → w'[ci][co][K−1−k] for the input gradient.
 */

import { grid } from '../../../gpu/runner';
import type { ConvGeometry, Shape } from '../../tensor';
import { bindings, channelBlock, consts, type Kernel, linearKernel } from './common';
import { convDims, forwardBindings } from './conv-frames';

const WG = 64;

/** Workgroup memory the kernels plan for (WebGPU's guaranteed minimum is 16 KiB). */
const SHARED_FLOATS = 3900;

export function outputTile(outShape: Shape): [number, number, number] {
  return outShape[2] === 1 ? [1, 8, 8] : [4, 4, 4];
}

/** The convolution's constants plus the output tile, its input tile with halo, and the tile counts. */
function geometry(xs: Shape, ys: Shape, g: ConvGeometry) {
  const d = convDims(xs, ys, g);
  const [TD, TH, TW] = outputTile(ys);
  const ID = (TD - 1) * d.SD + d.KD;
  const IH = (TH - 1) * d.SH + d.KH;
  const IW = (TW - 1) * d.SW + d.KW;
  const NTD = Math.ceil(ys[2] / TD);
  const NTH = Math.ceil(ys[3] / TH);
  const NTW = Math.ceil(ys[4] / TW);
  return {
    ...d,
    TD,
    TH,
    TW,
    ID,
    IH,
    IW,
    ITILE: ID * IH * IW,
    NTD,
    NTH,
    NTW,
    NTILES: NTD * NTH * NTW,
  };
}

/** Largest input-channel group from {8, 4, 2, 1} dividing ci whose staging fits workgroup memory. */
function channelGroup(ci: number, perChannel: number, fixed = 0): number {
  for (const c of [8, 4, 2]) if (ci % c === 0 && c * perChannel + fixed <= SHARED_FLOATS) return c;
  return 1;
}

/** Channel blocks of the tiled weight gradient: ≤ 8 triples per invocation, staging within budget. */
function gradWeightBlocks(d: ReturnType<typeof geometry>) {
  const TVOL = d.TD * d.TH * d.TW;
  const COB = channelBlock(d.CO);
  let CIT = channelGroup(d.CI, d.ITILE, COB * TVOL);
  while (CIT > 1 && COB * CIT * d.KVOL > 8 * WG) CIT /= 2;
  return { TVOL, COB, CIT };
}

/** The tiled kernels stage whole input tiles: usable when one channel's tile and weights fit. */
export function tiledConvFits(xs: Shape, ys: Shape, g: ConvGeometry): boolean {
  const d = geometry(xs, ys, g);
  return d.ITILE + 8 * Math.max(d.KVOL, d.TD * d.TH * d.TW) <= SHARED_FLOATS;
}

/** Cooperative load of CIT input-channel tiles (with halo, zeros outside) into xt. */
const LOAD_INPUT_TILE = `
    for (var idx = lid; idx < CIT * ITILE; idx = idx + ${WG}u) {
      let c = idx / ITILE;
      let r = idx % ITILE;
      let a = i32(r / (IH * IW)) + i32(td0 * SD) - i32(PD);
      let b = i32((r / IW) % IH) + i32(th0 * SH) - i32(PH);
      let e = i32(r % IW) + i32(tw0 * SW) - i32(PW);
      var v = 0.0;
      if (a >= 0 && a < i32(D) && b >= 0 && b < i32(H) && e >= 0 && e < i32(W)) {
        v = x[(n * CI + ci0 + c) * INVOL + (u32(a) * H + u32(b)) * W + u32(e)];
      }
      xt[idx] = v;
    }`;

/** The tile origin (td0, th0, tw0) of tile index `tile`. */
const TILE_ORIGIN = `
  let td0 = (tile / (NTH * NTW)) * TD;
  let th0 = ((tile / NTW) % NTH) * TH;
  let tw0 = (tile % NTW) * TW;`;

export function convTiledWgsl(xs: Shape, ys: Shape, g: ConvGeometry, hasBias: boolean): Kernel {
  const d = geometry(xs, ys, g);
  const COB = channelBlock(d.CO);
  const NCB = d.CO / COB;
  const CIT = channelGroup(d.CI, d.ITILE + COB * d.KVOL);
  const [gx, gy] = grid(d.NTILES);
  const code = `${consts({ ...d, COB, NCB, CIT })}
${bindings(forwardBindings(hasBias))}
var<workgroup> xt: array<f32, ${d.ITILE * CIT}>;
var<workgroup> wt: array<f32, ${COB * CIT * d.KVOL}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tile = wid.x + wid.y * nwg.x;
  if (tile >= NTILES) { return; }
  let co0 = (wid.z % NCB) * COB;
  let n = wid.z / NCB;
${TILE_ORIGIN}
  let ld = lid / (TH * TW);
  let lh = (lid / TW) % TH;
  let lw = lid % TW;
  let od = td0 + ld;
  let oh = th0 + lh;
  let ow = tw0 + lw;
  let valid = od < DO && oh < HO && ow < WO;
${Array.from({ length: COB }, (_, j) => `  var acc${j} = ${hasBias ? `bias[co0 + ${j}u]` : '0.0'};`).join('\n')}
  for (var ci0 = 0u; ci0 < CI; ci0 = ci0 + CIT) {
    workgroupBarrier();
${LOAD_INPUT_TILE}
    for (var idx = lid; idx < COB * CIT * KVOL; idx = idx + ${WG}u) {
      let j = idx / (CIT * KVOL);
      let c = (idx / KVOL) % CIT;
      wt[idx] = w[((co0 + j) * CI + ci0 + c) * KVOL + idx % KVOL];
    }
    workgroupBarrier();
    if (valid) {
      for (var c = 0u; c < CIT; c++) {
        let xb = c * ITILE + (ld * SD * IH + lh * SH) * IW + lw * SW;
        let wb = c * KVOL;
${loopTaps(COB)}
      }
    }
  }
  if (valid) {
    let sp = (od * HO + oh) * WO + ow;
${Array.from({ length: COB }, (_, j) => `    y[(n * CO + co0 + ${j}u) * OUTVOL + sp] = acc${j};`).join('\n')}
  }
}`;
  return { code, groups: [gx, gy, NCB * d.N] };
}

/** The kernel taps of one input channel (staged tile xt, weights wt) into acc0…acc{cob−1}. */
function loopTaps(cob: number): string {
  return `        for (var kd = 0u; kd < KD; kd++) {
          for (var kh = 0u; kh < KH; kh++) {
            for (var kw = 0u; kw < KW; kw++) {
              let xv = xt[xb + (kd * IH + kh) * IW + kw];
              let k = (kd * KH + kh) * KW + kw;
${Array.from({ length: cob }, (_, j) => `              acc${j} = acc${j} + xv * wt[wb + ${j}u * CIT * KVOL + k];`).join('\n')}
            }
          }
        }`;
}

/** w [CO, CI, K] → w' [CI, CO, K] with the kernel reversed on every axis. */
export function flipTransposeWgsl(co: number, ci: number, kvol: number): Kernel {
  return linearKernel(
    co * ci * kvol,
    {
      consts: { CO: co, CI: ci, KVOL: kvol },
      bind: [
        ['w', 'read'],
        ['wt', 'read_write'],
      ],
    },
    `
  let k = i % KVOL;
  let o = (i / KVOL) % CO;
  let c = i / (KVOL * CO);
  wt[i] = w[(o * CI + c) * KVOL + (KVOL - 1u - k)];`,
  );
}

/** Loops over the (j, c, k) triples this invocation owns, p = lid + q·WG < PAIRS; body sees q, j, c, k. */
const OWNED_TRIPLES = (body: string) => `
  for (var q = 0u; q < PT; q++) {
    let p = lid + q * ${WG}u;
    if (p < PAIRS) {
      let k = p % KVOL;
      let c = (p / KVOL) % CIT;
      let j = p / (KVOL * CIT);
${body}
    }
  }`;

/**
 * Weight gradient, split-K over (sample, tile) pairs: workgroup (input-channel group, output-channel
 * block, chunk). Per tile it stages the input tile (halo) and the output-gradient tile; each invocation
 * owns triples (j, c, k) of the COB × CIT × KVOL block and sums dy·x over the tile's voxels.
 */
export function convGradWeightTiledWgsl(xs: Shape, ys: Shape, g: ConvGeometry, chunks: number): Kernel {
  const d = geometry(xs, ys, g);
  const { TVOL, COB, CIT } = gradWeightBlocks(d);
  const NCB = d.CO / COB;
  const PAIRS = COB * CIT * d.KVOL;
  const PER_THREAD = Math.ceil(PAIRS / WG);
  const NCIG = d.CI / CIT;
  const JOBS = d.N * d.NTILES;
  const PER = Math.ceil(JOBS / chunks);
  const code = `${consts({ ...d, COB, NCB, CIT, NCIG, PAIRS, PT: PER_THREAD, TVOL, JOBS, PER, OUTSIZE: d.CO * d.CI * d.KVOL })}
${bindings([
  ['x', 'read'],
  ['dy', 'read'],
  ['out', 'read_write'],
])}
var<workgroup> xt: array<f32, ${d.ITILE * CIT}>;
var<workgroup> gt: array<f32, ${COB * TVOL}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let ci0 = (wid.x % NCIG) * CIT;
  let co0 = (wid.x / NCIG) * COB;
  let chunk = wid.y;
  var acc: array<f32, PT>;
  for (var q = 0u; q < PT; q++) { acc[q] = 0.0; }
  let end = min((chunk + 1u) * PER, JOBS);
  for (var job = chunk * PER; job < end; job++) {
    let n = job / NTILES;
    let tile = job % NTILES;
${TILE_ORIGIN}
    workgroupBarrier();
${LOAD_INPUT_TILE}
    for (var idx = lid; idx < COB * TVOL; idx = idx + ${WG}u) {
      let j = idx / TVOL;
      let t = idx % TVOL;
      let od = td0 + t / (TH * TW);
      let oh = th0 + (t / TW) % TH;
      let ow = tw0 + t % TW;
      var v = 0.0;
      if (od < DO && oh < HO && ow < WO) { v = dy[(n * CO + co0 + j) * OUTVOL + (od * HO + oh) * WO + ow]; }
      gt[idx] = v;
    }
    workgroupBarrier();
${OWNED_TRIPLES(`
        let kd = k / (KH * KW);
        let kh = (k / KW) % KH;
        let kw = k % KW;
        var s = 0.0;
        var t = j * TVOL;
        for (var ld = 0u; ld < TD; ld++) {
          for (var lh = 0u; lh < TH; lh++) {
            let row = c * ITILE + ((ld * SD + kd) * IH + lh * SH + kh) * IW + kw;
            for (var lw = 0u; lw < TW; lw++) {
              s = s + gt[t] * xt[row + lw * SW];
              t++;
            }
          }
        }
        acc[q] = acc[q] + s;`)}
  }
${OWNED_TRIPLES('      out[chunk * OUTSIZE + ((co0 + j) * CI + ci0 + c) * KVOL + k] = acc[q];')}
}`;
  return { code, groups: [NCIG * NCB, chunks, 1] };
}

/** Chunks for the tiled weight gradient: about 256 workgroups in all, at least 2 tiles each. */
export function tiledGradWeightChunks(xs: Shape, ys: Shape, g: ConvGeometry): number {
  const d = geometry(xs, ys, g);
  const { COB, CIT } = gradWeightBlocks(d);
  const groups = (d.CI / CIT) * (d.CO / COB);
  const jobs = d.N * d.NTILES;
  return Math.max(1, Math.min(Math.ceil(256 / groups), Math.floor(jobs / 2), 65535));
}
