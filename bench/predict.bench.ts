/**
 * Whole-process `tessera predict` on the shared full-length abdominal CT with the shared tiny nnU-Net model,
 * no TTA, on the CPU paths — `auto` (onnxruntime-node's CPU EP, 2 threads) and `wasm` (onnxruntime-web, the
 * browser's runtime, 2 threads) — against the peer: onnxruntime-node (CPU EP, 2 threads) running the very
 * same tiles, measured in the same run.
 *
 *   npx tsx bench/predict.bench.ts [--runs 3]
 *
 * nnU-Net v2 (PyTorch, CPU, 2 threads) takes about 5 s for this job from predictor start to file written on
 * these machines (issue figure, not measured here); the goal is a whole process no slower than that.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import { openFileSet } from '../src/cli/node-file-set';
import { computeSteps, tileOrigins } from '../src/core/inference/sliding-window';
import { readVolume } from '../src/core/io/volume/read-volume';
import { zyxShape, zyxSpacing } from '../src/core/io/volume/volume';
import { exportFold, openNnunetModel } from '../src/core/model/bundle/nnunet-model';
import { readPreprocessingPlans } from '../src/core/preprocessing/plans-view';
import { preprocessCase } from '../src/core/preprocessing/preprocess-case';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = path.resolve(ROOT, '../shared');
const MODEL = path.join(
  SHARED,
  'reference/models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);
const INPUT = path.join(SHARED, 'reference/raw/Dataset001_TSAbdomenCT/imagesTs/tsctfull_000_0000.nii.gz');
const runsAt = process.argv.indexOf('--runs');
const runs = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 3;
const OUT = path.join(ROOT, 'test-results/bench-predict');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// 1. Tessera, whole process: node start → file written (what a user waits for).
function wholeProcess(backend: string): number[] {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    fs.rmSync(OUT, { recursive: true, force: true });
    const t0 = performance.now();
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'bin/tessera.mjs'),
        'predict',
        '-i',
        INPUT,
        '-o',
        OUT,
        '-m',
        MODEL,
        '--disable-tta',
        '--backend',
        backend,
        '--threads',
        '2',
        '-q',
      ],
      { stdio: 'pipe' },
    );
    times.push((performance.now() - t0) / 1000);
  }
  return times;
}
const tessera = wholeProcess('auto');
const tesseraWasm = wholeProcess('wasm');

// 2. The peer: onnxruntime-node on the same tiles of the same preprocessed volume.
const model = await openNnunetModel(await openFileSet(MODEL));
const onnx = await exportFold(model, '0');
const ct = await readVolume(new Uint8Array(fs.readFileSync(INPUT)), INPUT);
const plans = readPreprocessingPlans(model.folder.plans, model.configuration);
const pre = preprocessCase({ channels: [ct.data], shape: zyxShape(ct), spacing: zyxSpacing(ct) }, plans);
const patch = model.spec.patchSize;
const padded = pre.shape.map((s, d) => Math.max(s, patch[d]));
const origins = tileOrigins(computeSteps(padded, patch, 0.5));
const session = await ortNode.InferenceSession.create(onnx, {
  executionProviders: ['cpu'],
  intraOpNumThreads: 2,
});
const tile = new Float32Array(patch[0] * patch[1] * patch[2]);
const peer: number[] = [];
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  for (const o of origins) {
    tile.fill(0);
    for (let z = 0; z < patch[0]; z++)
      for (let y = 0; y < patch[1]; y++) {
        const zz = o[0] + z;
        const yy = o[1] + y;
        if (zz >= pre.shape[0] || yy >= pre.shape[1]) continue;
        const src = (zz * pre.shape[1] + yy) * pre.shape[2] + o[2];
        const n = Math.min(patch[2], pre.shape[2] - o[2]);
        tile.set(pre.data[0].subarray(src, src + n), (z * patch[1] + y) * patch[2]);
      }
    await session.run({ [session.inputNames[0]]: new ortNode.Tensor('float32', tile, [1, 1, ...patch]) });
  }
  peer.push((performance.now() - t0) / 1000);
}
await session.release();

const t = median(tessera);
const w = median(tesseraWasm);
const p = median(peer);
const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
console.log(
  `tessera predict, whole process, --backend auto (onnxruntime-node CPU × 2), ${origins.length} tiles: ${t.toFixed(2)} s  [${list(tessera)}]`,
);
console.log(
  `tessera predict, whole process, --backend wasm (onnxruntime-web × 2 threads):        ${w.toFixed(2)} s  [${list(tesseraWasm)}]`,
);
console.log(
  `peer: onnxruntime-node CPU × 2 threads, the same ${origins.length} tiles only:                 ${p.toFixed(2)} s  [${list(peer)}]`,
);
console.log(`ratio whole process / peer tiles: auto ${(t / p).toFixed(2)}, wasm ${(w / p).toFixed(2)}`);
console.log(
  `ratio whole process / nnU-Net v2 whole process (about 5 s here, the issue's figure): auto ${(t / 5).toFixed(2)}, wasm ${(w / 5).toFixed(2)}`,
);
