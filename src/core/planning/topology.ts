/**
 * nnU-Net's `get_pool_and_conv_props` (experiment_planning/experiment_planners/network_topology.py):
 * from a spacing and a patch size, how often each axis is pooled, the conv kernel per stage, and the
 * patch padded to a multiple of 2^pools per axis.
 *
 * Patch sizes may be non-integral on entry (a median shape of 101.5 clips the initial patch), exactly
 * as in nnU-Net, where they are float64 until padded.
 */

export interface PoolAndConvProps {
  numPoolPerAxis: number[];
  /** strides per stage; the first is all ones */
  poolOpKernelSizes: number[][];
  /** kernel per stage; the last (bottleneck) is all threes */
  convKernelSizes: number[][];
  patchSize: number[];
  mustBeDivisibleBy: number[];
}

/** Pad each axis up to a multiple; an exact multiple stays as it is. */
export function padShape(shape: readonly number[], mustBeDivisibleBy: readonly number[]): number[] {
  return shape.map((s, i) => {
    const m = mustBeDivisibleBy[i];
    let r = s % m;
    if (r < 0) r += m; // Python's % is never negative
    return Math.trunc(r === 0 ? s : s + m - r);
  });
}

export function getPoolAndConvProps(
  spacing: readonly number[],
  patchSize: readonly number[],
  minFeatureMapSize: number,
  maxNumPool: number,
): PoolAndConvProps {
  const dim = spacing.length;
  const currentSpacing = [...spacing];
  const currentSize = [...patchSize];
  const poolOpKernelSizes: number[][] = [new Array(dim).fill(1)];
  const convKernelSizes: number[][] = [];
  const numPoolPerAxis = new Array(dim).fill(0);
  const kernelSize = new Array(dim).fill(1);

  for (;;) {
    let valid: number[] = [];
    for (let i = 0; i < dim; i++) if (currentSize[i] >= 2 * minFeatureMapSize) valid.push(i);
    if (valid.length < 1) break;
    const minSpacingOfValid = Math.min(...valid.map((i) => currentSpacing[i]));
    valid = valid.filter((i) => currentSpacing[i] / minSpacingOfValid < 2);
    valid = valid.filter((i) => numPoolPerAxis[i] < maxNumPool);
    if (valid.length === 1 && !(currentSize[valid[0]] >= 3 * minFeatureMapSize)) break;
    if (valid.length < 1) break;

    // A kernel becomes 3 once its axis is within a factor 2 of the finest spacing, and stays 3.
    const minSpacing = Math.min(...currentSpacing);
    for (let d = 0; d < dim; d++)
      if (kernelSize[d] !== 3 && currentSpacing[d] / minSpacing < 2) kernelSize[d] = 3;

    const pool = new Array(dim).fill(1);
    for (const v of valid) {
      pool[v] = 2;
      numPoolPerAxis[v] += 1;
      currentSpacing[v] *= 2;
      currentSize[v] = Math.ceil(currentSize[v] / 2);
    }
    poolOpKernelSizes.push(pool);
    convKernelSizes.push([...kernelSize]);
  }

  const mustBeDivisibleBy = numPoolPerAxis.map((n) => 2 ** n);
  convKernelSizes.push(new Array(dim).fill(3));
  return {
    numPoolPerAxis,
    poolOpKernelSizes,
    convKernelSizes,
    patchSize: padShape(patchSize, mustBeDivisibleBy),
    mustBeDivisibleBy,
  };
}
