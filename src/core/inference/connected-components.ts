/**
 * Connected components of a binary (z, y, x) mask with full connectivity (26 neighbours in 3-D, as
 * skimage's `label` defaults to), by two-pass union-find. Labels are numbered in raster order of their
 * first voxel, as skimage numbers them.
 */
export function labelComponents(
  mask: Uint8Array,
  shape: readonly [number, number, number],
): { labels: Int32Array; sizes: number[] } {
  const [Z, Y, X] = shape;
  const labels = new Int32Array(mask.length);
  const parent: number[] = [0];
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  const union = (a: number, b: number): number => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return ra;
    // keep the smaller root so numbering follows raster order
    if (ra < rb) {
      parent[rb] = ra;
      return ra;
    }
    parent[ra] = rb;
    return rb;
  };
  const sy = X;
  const sz = X * Y;
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const i = z * sz + y * sy + x;
        if (!mask[i]) continue;
        let current = 0;
        // the 13 already-visited neighbours of the 26
        for (let dz = -1; dz <= 0; dz++) {
          const zz = z + dz;
          if (zz < 0) continue;
          for (let dy = -1; dy <= 1; dy++) {
            const yy = y + dy;
            if (yy < 0 || yy >= Y) continue;
            for (let dx = -1; dx <= 1; dx++) {
              if (dz === 0 && (dy > 0 || (dy === 0 && dx >= 0))) continue;
              const xx = x + dx;
              if (xx < 0 || xx >= X) continue;
              const l = labels[zz * sz + yy * sy + xx];
              if (l) current = current ? union(current, l) : find(l);
            }
          }
        }
        if (!current) {
          current = parent.length;
          parent.push(current);
        }
        labels[i] = current;
      }
  // Resolve to roots, renumber 1..n in order of first appearance.
  const renumber = new Map<number, number>();
  const sizes: number[] = [0];
  for (let i = 0; i < labels.length; i++) {
    if (!labels[i]) continue;
    const r = find(labels[i]);
    let n = renumber.get(r);
    if (n === undefined) {
      n = sizes.length;
      renumber.set(r, n);
      sizes.push(0);
    }
    labels[i] = n;
    sizes[n]++;
  }
  return { labels, sizes };
}

/** The mask with only its largest component (the first in raster order on ties); unchanged if ≤ 1 component. */
export function keepLargestComponent(mask: Uint8Array, shape: readonly [number, number, number]): Uint8Array {
  const { labels, sizes } = labelComponents(mask, shape);
  if (sizes.length <= 2) return mask.slice();
  let best = 1;
  for (let l = 2; l < sizes.length; l++) if (sizes[l] > sizes[best]) best = l;
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = labels[i] === best ? 1 : 0;
  return out;
}
