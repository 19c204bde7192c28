/** Reductions: chunk sums of split-K partials, per-channel sums, whole-buffer sums. */
import { type Kernel, linearKernel, RED_WG, reductionKernel, treeReduce } from './common';

/** out[e] = Σ_c part[c·SIZE + e], chunks in order. */
export function sumChunksWgsl(size: number, chunks: number): Kernel {
  return linearKernel(
    size,
    {
      consts: { SIZE: size, CHUNKS: chunks },
      bind: [
        ['part', 'read'],
        ['out', 'read_write'],
      ],
    },
    `
  var s = 0.0;
  for (var c = 0u; c < CHUNKS; c++) { s = s + part[c * SIZE + i]; }
  out[i] = s;`,
  );
}

/** out[c] = Σ_{n, v} t[(n·C + c)·VOL + v]: one workgroup per channel (bias gradients). */
export function channelSumWgsl(n: number, c: number, vol: number): Kernel {
  return reductionKernel(
    c,
    {
      consts: { N: n, C: c, VOL: vol, POS: n * vol },
      bind: [
        ['t', 'read'],
        ['out', 'read_write'],
      ],
    },
    `
  let c = wid.x;
  var s = 0.0;
  for (var p = lid; p < POS; p = p + ${RED_WG}u) {
    s = s + t[((p / VOL) * C + c) * VOL + p % VOL];
  }
  sh[lid] = s;
${treeReduce()}
  if (lid == 0u) { out[c] = sh[0]; }`,
  );
}

/**
 * One workgroup sums `term` (of v = t[p]) over the buffer and stores `store` (of the sum `sh[0]`) into
 * out[0]. Sums are small next to the training step, so one workgroup is enough.
 */
function wholeBufferSum(size: number, term: string, store: string): Kernel {
  return reductionKernel(
    1,
    {
      consts: { SIZE: size },
      bind: [
        ['t', 'read'],
        ['out', 'read_write'],
      ],
    },
    `
  var s = 0.0;
  for (var p = lid; p < SIZE; p = p + ${RED_WG}u) { let v = t[p]; s = s + ${term}; }
  sh[lid] = s;
${treeReduce()}
  if (lid == 0u) { out[0] = ${store}; }`,
  );
}

/** out[0] = Σ t. */
export function sumWgsl(size: number): Kernel {
  return wholeBufferSum(size, 'v', 'sh[0]');
}

/** out[0] += Σ t² (accumulates over the parameter tensors for the gradient norm). */
export function sumSquaresWgsl(size: number): Kernel {
  return wholeBufferSum(size, 'v * v', 'out[0] + sh[0]');
}
