/**
 * What the direct convolution and the transposed convolution kernels share: the forward bindings, the
 * channel-blocked frame of the forward and input-gradient kernels, and the split-K frame of the weight
 * gradient (one workgroup per input channel, output-channel block and chunk of positions).
 */
import type { ConvGeometry, Shape } from '../../tensor';
import { type Binding, bindings, channelBlock, consts, type Kernel, linearKernel, WG } from './common';

/** Shape constants of a convolution with input xs, output ys and geometry g. */
export function convDims(xs: Shape, ys: Shape, g: ConvGeometry) {
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

/** Constants every frame below reads (both kinds of convolution provide them). */
interface FrameDims {
  N: number;
  CI: number;
  CO: number;
  INVOL: number;
  OUTVOL: number;
  KVOL: number;
}

/** Bindings of a forward kernel: x, w, the bias when there is one, y. */
export function forwardBindings(hasBias: boolean): Binding[] {
  return hasBias
    ? [
        ['x', 'read'],
        ['w', 'read'],
        ['bias', 'read'],
        ['y', 'read_write'],
      ]
    : [
        ['x', 'read'],
        ['w', 'read'],
        ['y', 'read_write'],
      ];
}

/** Output voxel (od, oh, ow) of output position sp. */
export const OUTPUT_VOXEL = `
  let ow = sp % WO;
  let oh = (sp / WO) % HO;
  let od = sp / (WO * HO);`;

/** The tensor a channel-blocked kernel writes, and the names of its channel block. */
const TARGETS = {
  output: { out: 'y', C: 'CO', VOL: 'OUTVOL', c0: 'co0', B: 'COB', NB: 'NCB' },
  inputGrad: { out: 'dx', C: 'CI', VOL: 'INVOL', c0: 'ci0', B: 'CIB', NB: 'NCIB' },
} as const;

/**
 * A 1-D kernel in which invocation i owns voxel `sp` of sample `n` and a block of B channels (from c0) of
 * the tensor it writes — the output y (forward from x, w and the bias if any: co0, COB) or the input
 * gradient dx (from dy and w: ci0, CIB) — so each value the body loads feeds B accumulators acc[j], which
 * start at the bias or 0 and are stored at the end.
 */
export function channelBlockKernel(
  d: FrameDims,
  target: keyof typeof TARGETS,
  body: string,
  hasBias = false,
): Kernel {
  const t = TARGETS[target];
  const bind: Binding[] =
    target === 'output'
      ? forwardBindings(hasBias)
      : [
          ['dy', 'read'],
          ['w', 'read'],
          ['dx', 'read_write'],
        ];
  const init = hasBias ? `bias[${t.c0} + j]` : '0.0';
  const channels = d[t.C];
  const B = channelBlock(channels);
  const NB = channels / B;
  return linearKernel(
    d.N * NB * d[t.VOL],
    { consts: { ...d, [t.B]: B, [t.NB]: NB }, bind },
    `
  let sp = i % ${t.VOL};
  let blk = i / ${t.VOL};
  let ${t.c0} = (blk % ${t.NB}) * ${t.B};
  let n = blk / ${t.NB};
  var acc: array<f32, ${t.B}>;
  for (var j = 0u; j < ${t.B}; j++) { acc[j] = ${init}; }
${body}
  for (var j = 0u; j < ${t.B}; j++) { ${t.out}[(n * ${t.C} + ${t.c0} + j) * ${t.VOL} + sp] = acc[j]; }`,
  );
}

/** Output-channel block for a weight-gradient kernel: keep COB·KVOL accumulators ≤ 64. */
function gradWeightBlock(channels: number, kvol: number): number {
  return channelBlock(channels, Math.max(1, Math.floor(64 / kvol)));
}

/**
 * Number of voxel chunks for split-K over `positions` (batch × the voxels walked): enough workgroups to
 * fill a GPU, each at least 8 rounds long.
 */
export function gradWeightChunks(ci: number, co: number, kvol: number, positions: number): number {
  const pairs = ci * (co / gradWeightBlock(co, kvol));
  const want = Math.ceil(512 / pairs);
  const most = Math.max(1, Math.floor(positions / (WG * 8)));
  return Math.max(1, Math.min(want, most, 65535));
}

/**
 * Split-K weight gradient: workgroup (ci, output channels co0…co0+COB−1, chunk) walks its chunk of the
 * N·VOL positions p (VOL: OUTVOL or INVOL, whichever the body iterates; the body sees n and sp) with
 * COB·KVOL accumulators acc[j·KVOL + k] per invocation, then a workgroup tree reduction writes element
 * (j, k) to out[chunk·OUTSIZE + index].
 */
export function splitKGradWeightKernel(
  d: FrameDims,
  walk: 'OUTVOL' | 'INVOL',
  chunks: number,
  body: string,
  index: string,
): Kernel {
  const COB = gradWeightBlock(d.CO, d.KVOL);
  const NCB = d.CO / COB;
  const POS = d.N * d[walk];
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
    let n = p / ${walk};
    let sp = p % ${walk};
${body}
  }
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
  }
}`,
    groups: [d.CI * NCB, chunks, 1],
  };
}
