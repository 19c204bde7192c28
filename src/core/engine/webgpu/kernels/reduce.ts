/** Reductions: chunk sums of split-K partials, per-channel sums, sum of squares. */
import { bindings, consts, type Kernel, linear, linearMain, RED_WG, TREE_REDUCE } from './common';

/** out[e] = Σ_c part[c·SIZE + e], chunks in order. */
export function sumChunksWgsl(size: number, chunks: number): Kernel {
  return linear(
    size,
    `${consts({ SIZE: size, CHUNKS: chunks, TOTAL: size })}
${bindings([
  ['part', 'read'],
  ['out', 'read_write'],
])}
${linearMain(`
  var s = 0.0;
  for (var c = 0u; c < CHUNKS; c++) { s = s + part[c * SIZE + i]; }
  out[i] = s;`)}`,
  );
}

/** out[c] = Σ_{n, v} t[(n·C + c)·VOL + v]: one workgroup per channel (bias gradients). */
export function channelSumWgsl(n: number, c: number, vol: number): Kernel {
  return {
    code: `${consts({ N: n, C: c, VOL: vol, POS: n * vol })}
${bindings([
  ['t', 'read'],
  ['out', 'read_write'],
])}
var<workgroup> sh: array<f32, ${RED_WG}>;
@compute @workgroup_size(${RED_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;
  var s = 0.0;
  for (var p = lid; p < POS; p = p + ${RED_WG}u) {
    s = s + t[((p / VOL) * C + c) * VOL + p % VOL];
  }
  sh[lid] = s;
${TREE_REDUCE}
  if (lid == 0u) { out[c] = sh[0]; }
}`,
    groups: [c, 1, 1],
  };
}

/** out[0] += Σ t²: one workgroup (sums are small next to the training step). */
export function sumSquaresWgsl(size: number): Kernel {
  return {
    code: `${consts({ SIZE: size })}
${bindings([
  ['t', 'read'],
  ['out', 'read_write'],
])}
var<workgroup> sh: array<f32, ${RED_WG}>;
@compute @workgroup_size(${RED_WG})
fn main(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var p = lid; p < SIZE; p = p + ${RED_WG}u) { let v = t[p]; s = s + v * v; }
  sh[lid] = s;
${TREE_REDUCE}
  if (lid == 0u) { out[0] = out[0] + sh[0]; }
}`,
    groups: [1, 1, 1],
  };
}
