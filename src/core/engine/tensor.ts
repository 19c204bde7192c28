/**
 * Tensors of the training engine: float32, NCDHW (2-D networks run as D = 1), owned by one backend.
 *
 * A tensor is a handle with a reference count. The op that makes it hands the caller one reference;
 * the tape takes another for what a backward needs; `release` at zero gives the storage back to the
 * backend's pool. Counting, not scopes, because a U-Net's skips live from the encoder to the decoder.
 */
export type Shape = readonly number[];

export interface Tensor {
  readonly id: number;
  readonly shape: Shape;
  /** Number of elements. */
  readonly size: number;
}

export function numel(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function shapeText(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** [n, c, d, h, w] → spatial voxel count d·h·w. */
export function spatialSize(shape: Shape): number {
  return shape[2] * shape[3] * shape[4];
}

/** Kernel, stride and padding of a convolution, always three entries (d, h, w). */
export interface ConvGeometry {
  kernel: [number, number, number];
  stride: [number, number, number];
  pad: [number, number, number];
}

/** Output spatial size of a convolution, as torch computes it (floor). */
export function convOutputShape(x: Shape, outChannels: number, g: ConvGeometry): number[] {
  const o = [0, 1, 2].map((a) => Math.floor((x[2 + a] + 2 * g.pad[a] - g.kernel[a]) / g.stride[a]) + 1);
  return [x[0], outChannels, o[0], o[1], o[2]];
}

/** Output of a transposed convolution whose kernel equals its stride (nnU-Net's upsampling). */
export function convTransposeOutputShape(x: Shape, outChannels: number, stride: readonly number[]): number[] {
  return [x[0], outChannels, x[2] * stride[0], x[3] * stride[1], x[4] * stride[2]];
}

/** Pad a 2-D kernel/stride list to 3-D by a leading 1 (2-D nets run as D = 1). */
export function to3(v: readonly number[], fill = 1): [number, number, number] {
  if (v.length === 3) return [v[0], v[1], v[2]];
  if (v.length === 2) return [fill, v[0], v[1]];
  throw new Error(`expected 2 or 3 entries, got ${v.length}`);
}
