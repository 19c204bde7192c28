import { argmaxSlabPruned } from '../../src/core/inference/export/argmax-slab';
import { roundToHalf } from '../../src/core/pycompat/float16';
import { clipBounds, dataSlab } from '../../src/core/resampling/resample-data';

const K = 118;
const inShape: [number, number, number] = [8, 101, 122];
const outShape: [number, number, number] = [16, 388, 469];
const spec = { inShape, outShape, order: 1, orderZ: 0, axis: null, isSeg: false } as any;
const n = 8 * 101 * 122;
let s = 1;
const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
const logits = Array.from({ length: K }, () =>
  Float32Array.from({ length: n }, () => roundToHalf(1 + rand() * 0.05)),
);
const bounds = logits.map((l) => clipBounds(l, spec));
const slab = dataSlab(spec, 0, 12);
const out = new Uint8Array(12 * 388 * 469);
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  argmaxSlabPruned(logits, spec, slab, bounds, roundToHalf, out);
  const dt = performance.now() - t;
  console.log(`${dt.toFixed(0)} ms, ${((dt * 1e6) / (out.length * K)).toFixed(2)} ns per channel-voxel`);
}
