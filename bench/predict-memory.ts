/**
 * Peak memory of nnU-Net's whole predictor (preprocess → sliding window → streaming export) for a model
 * with many labels on a 512×512×400 CT, measured as a child process's peak RSS. The network is a fast
 * stand-in (K logits per voxel from the tile's intensities), so what is measured is Tessera's own
 * buffers: holding K × volume float32 logits, as a naive export would, is the figure to stay far below.
 *
 * With several folds the accumulators are per fold (nnU-Net averages the folds' finished predictions).
 *
 *   npx tsx bench/predict-memory.ts [--classes 15] [--folds 1] [--small]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { predictCase } from '../src/core/inference/predict-case';
import type { NetworkFn } from '../src/core/inference/predict-sliding-window';

const SHARED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared');
const PLANS = path.join(
  SHARED,
  'reference/models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny/plans.json',
);
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const small = process.argv.includes('--small');
const SHAPE: [number, number, number] = small ? [100, 128, 128] : [400, 512, 512];
const SPACING = [1.5, 0.8, 0.8];
const PATCH = [128, 128, 128];
const K = arg('--classes', 15);
const FOLDS = arg('--folds', 1);

/** A CT-like int16 volume: air outside a body ellipse, soft tissue with a few denser blobs inside. */
function syntheticCt(): Int16Array {
  const [Z, Y, X] = SHAPE;
  const v = new Int16Array(Z * Y * X);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const dy = (y - Y / 2) / (0.4 * Y);
        const dx = (x - X / 2) / (0.45 * X);
        const inBody = dy * dy + dx * dx < 1;
        v[(z * Y + y) * X + x] = inBody ? 40 + ((x * 7 + y * 3 + z * 5) % 200) : -1000;
      }
  return v;
}

/** K logits per voxel: class k scores high where the normalised intensity is near its centre. */
const standIn: NetworkFn = async (tile, shape) => {
  const n = tile.length / shape[1];
  const out = new Float32Array(K * n);
  for (let k = 0; k < K; k++) {
    const c = -2 + (4 * k) / (K - 1);
    const o = k * n;
    for (let i = 0; i < n; i++) out[o + i] = -Math.abs(tile[i] - c);
  }
  return out;
};

async function child(): Promise<void> {
  const plans = JSON.parse(fs.readFileSync(PLANS, 'utf8'));
  Object.assign(plans.configurations['3d_fullres'], { spacing: SPACING, patch_size: PATCH });
  const labels: Record<string, number> = { background: 0 };
  for (let k = 1; k < K; k++) labels[`organ_${k}`] = k;
  const datasetJson = { channel_names: { 0: 'CT' }, labels, numTraining: 1, file_ending: '.nii.gz' };
  const ct = syntheticCt();
  const baseline = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = await predictCase(
    { channels: [ct], shape: SHAPE, spacing: SPACING, name: 'synthetic' },
    plans,
    '3d_fullres',
    datasetJson,
    Array.from({ length: FOLDS }, () => standIn),
    PATCH,
    { mirrorAxes: [] },
  );
  const used = new Set(r.labels).size;
  console.log(
    JSON.stringify({
      tiles: r.tiles,
      labelsUsed: used,
      seconds: (performance.now() - t0) / 1000,
      baselineRssBytes: baseline,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    }),
  );
}

if (process.argv.includes('--child')) await child();
else {
  const voxels = SHAPE[0] * SHAPE[1] * SHAPE[2];
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', ...process.argv.slice(2)],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  const m = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  const allLogits = K * voxels * 4;
  console.log(
    `predict, ${K} classes, ${FOLDS} fold(s), ${SHAPE.join('×')} CT (int16 source), patch ${PATCH.join('×')}, ${m.tiles} tiles, ` +
      `${m.labelsUsed} labels in the output, ${m.seconds.toFixed(1)} s`,
  );
  console.log(
    `peak RSS ${mib(m.maxRssBytes)} (${mib(m.maxRssBytes - m.baselineRssBytes)} above the input volume and Node) ` +
      `vs ${mib(allLogits)} for K × volume float32 logits: ${(m.maxRssBytes / allLogits).toFixed(2)}× of that, ` +
      `${(m.maxRssBytes / (voxels * 4)).toFixed(2)}× the volume's float32 size`,
  );
}
