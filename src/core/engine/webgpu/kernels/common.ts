/** WGSL snippets shared by the kernels. Shapes are baked in as `const`s; the source is the cache key. */

export const WG = 64;

/** A kernel's WGSL and its workgroup count (a number is spread over an x/y grid by the runner). */
import type { Kernel } from '../../../gpu/runner';

export type { Kernel };

/** A 1-D kernel over `total` items (see linearMain). */
export function linear(total: number, code: string): Kernel {
  return { code, groups: Math.ceil(total / WG) };
}
export const RED_WG = 256;

/** `const NAME = 12u;` lines. */
export function consts(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([k, v]) => {
      if (!Number.isInteger(v) || v < 0) throw new Error(`kernel constant ${k} = ${v} is not a u32`);
      return `const ${k} = ${v}u;`;
    })
    .join('\n');
}

/** A float literal WGSL accepts (always with a decimal point or exponent). */
export function f32(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`kernel float ${v} is not finite`);
  const s = v.toString();
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** Entry point of a 1-D kernel over TOTAL items, dispatched as an (x, y) grid of WG-wide groups. */
export function linearMain(body: string, wg = WG): string {
  return `@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${wg}u;
  if (i >= TOTAL) { return; }
${body}
}`;
}

/** Largest block of channels from {8, 4, 2, 1} that divides c (and stays ≤ cap). */
export function channelBlock(c: number, cap = 8): number {
  for (const b of [8, 4, 2]) if (b <= cap && c % b === 0) return b;
  return 1;
}

/** A storage binding: [name, access]; bindings are declared in list order (binding 0, 1, …). */
export type Binding = [string, 'read' | 'read_write'];

/** Binding declarations, all array<f32>. */
export function bindings(list: Binding[]): string {
  return list.map(([n, m], i) => `@group(0) @binding(${i}) var<storage, ${m}> ${n}: array<f32>;`).join('\n');
}

/** `const NAME = 0.5;` lines (f32 constants such as a slope or eps). */
function floatConsts(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([k, v]) => `const ${k} = ${f32(v)};\n`)
    .join('');
}

/** The parts every kernel declares before its entry point. */
interface KernelHead {
  /** u32 constants. */
  consts?: Record<string, number>;
  /** f32 constants. */
  floats?: Record<string, number>;
  bind: Binding[];
}

/** A whole 1-D kernel: one invocation per item i < total (TOTAL is added to the constants). */
export function linearKernel(total: number, head: KernelHead, body: string): Kernel {
  return linear(
    total,
    `${consts({ ...head.consts, TOTAL: total })}
${floatConsts(head.floats ?? {})}${bindings(head.bind)}
${linearMain(body)}`,
  );
}

/**
 * A kernel of `groups` RED_WG-wide workgroups, each reducing through the workgroup arrays named in
 * `shared` (see treeReduce); body sees wid and lid and must not return early.
 */
export function reductionKernel(
  groups: number,
  head: KernelHead & { shared?: string[] },
  body: string,
): Kernel {
  const shared = (head.shared ?? ['sh']).map((a) => `var<workgroup> ${a}: array<f32, ${RED_WG}>;\n`).join('');
  return {
    code: `${consts(head.consts ?? {})}
${floatConsts(head.floats ?? {})}${bindings(head.bind)}
${shared}@compute @workgroup_size(${RED_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
${body}
}`,
    groups: [groups, 1, 1],
  };
}

/**
 * Tree reduction of workgroup arrays (RED_WG floats each, default `sh`); leaves each sum in its [0].
 * Caller has written arr[lid] and must not have returned early from any invocation.
 */
export function treeReduce(...arrays: string[]): string {
  const names = arrays.length ? arrays : ['sh'];
  return `
  workgroupBarrier();
  for (var s = ${RED_WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { ${names.map((a) => `${a}[lid] = ${a}[lid] + ${a}[lid + s];`).join(' ')} }
    workgroupBarrier();
  }`;
}
