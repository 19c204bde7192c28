/** One measured run for bench/preprocess-memory.ts: what a preprocessing worker does with one case. */
import fs from 'node:fs';
import type { LabelDict } from '../src/core/preprocessing/class-locations';
import type { PreprocessingPlans } from '../src/core/preprocessing/plans-view';
import { preprocessHandlers } from '../src/core/preprocessing/worker-handlers';

const [image, label, target] = process.argv.slice(2);
const baselineRssBytes = process.memoryUsage().rss;
const plans: PreprocessingPlans = {
  transposeForward: [0, 1, 2],
  transposeBackward: [0, 1, 2],
  intensityProperties: { '0': { mean: 38.6, std: 20.3, percentile_00_5: -37, percentile_99_5: 78 } },
  config: {
    name: '3d_fullres',
    spacing: target.split(',').map(Number),
    normalizationSchemes: ['CTNormalization'],
    useMaskForNorm: [false],
    dataKwargs: { is_seg: false, order: 3, order_z: 0, force_separate_z: null },
    segKwargs: { is_seg: true, order: 1, order_z: 0, force_separate_z: null },
    probabilitiesKwargs: { is_seg: false, order: 1, order_z: 0, force_separate_z: null },
  },
};
const labels: LabelDict = { background: 0, spleen: 1, kidney_right: 2, kidney_left: 3, liver: 4 };
const read = (f: string) => {
  const b = fs.readFileSync(f);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};
const t0 = performance.now();
const files = {
  id: 'ct',
  images: [{ name: image, bytes: read(image) }],
  label: label ? { name: label, bytes: read(label) } : undefined,
};
const r = await preprocessHandlers.preprocessCase(
  { files, plans, labels: label ? labels : undefined },
  {
    signal: new AbortController().signal,
    emit: () => {},
    progress: (p) => {
      if (!process.env.TESSERA_MEMLOG) return;
      (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      const mb = (b: number) => (b / 2 ** 20).toFixed(0);
      console.error(
        `${p.stage}: rss ${mb(m.rss)} MiB, array buffers ${mb(m.arrayBuffers)} MiB, peak ${mb(process.resourceUsage().maxRSS * 1024)} MiB`,
      );
    },
  },
);
const seconds = (performance.now() - t0) / 1000;
const value = (r as unknown as { value: { shape: number[] } }).value;
console.log(
  JSON.stringify({
    shape: value.shape,
    seconds,
    baselineRssBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
