/** WGSL snippets shared by the kernels. Shapes are baked in as `const`s; the source is the cache key. */

export const WG = 64;

/** A kernel's WGSL and its workgroup count (a number is spread over an x/y grid by the runner). */
export interface Kernel {
  code: string;
  groups: number | [number, number, number];
}

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

/** Binding declarations: [name, 'read' | 'read_write'] in binding order. */
export function bindings(list: Array<[string, 'read' | 'read_write']>): string {
  return list.map(([n, m], i) => `@group(0) @binding(${i}) var<storage, ${m}> ${n}: array<f32>;`).join('\n');
}

/**
 * Tree reduction of `sh` (RED_WG floats) in a workgroup; leaves the sum in sh[0]. Caller has written
 * sh[lid] and must not have returned early from any invocation.
 */
export const TREE_REDUCE = `
  workgroupBarrier();
  for (var s = ${RED_WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sh[lid] = sh[lid] + sh[lid + s]; }
    workgroupBarrier();
  }`;
