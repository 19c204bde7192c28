/**
 * Where a WebGPU training step spends its time: one step of the tiny nnU-Net network is recorded, then
 * every dispatch is replayed alone and timed (wall clock, submit to done), summed per kernel kind.
 *
 *   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
 *     npx tsx bench/train-step-profile.ts [--patch 32]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, globals } from 'webgpu';
import { deepSupervisionScales, deepSupervisionWeights } from '../src/core/engine/deep-supervision';
import { heInit } from '../src/core/engine/he-init';
import { NNUNET_SGD, sgdStep } from '../src/core/engine/optimizer';
import { forwardBackward, readLoss } from '../src/core/engine/train-step';
import { UNet } from '../src/core/engine/unet';
import { WebGpuBackend } from '../src/core/engine/webgpu/webgpu-backend';
import { openGpu } from '../src/core/gpu/device';
import { networkSpecFromPlans } from '../src/core/model/architecture';

Object.assign(globalThis, globals);
const MODEL = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../shared/reference/models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);
const i = process.argv.indexOf('--patch');
const S = i >= 0 ? Number(process.argv[i + 1]) : 32;
const ctx = await openGpu(create([]));
const be = new WebGpuBackend(ctx);
const read = (f: string) => JSON.parse(fs.readFileSync(path.join(MODEL, f), 'utf8'));
const spec = networkSpecFromPlans(read('plans.json'), '3d_fullres_tiny', read('dataset.json'), {
  deepSupervision: true,
});
const net = new UNet(be, spec);
heInit(net, 1);
const patch = [S, S, S];
const x = be.zeros([2, 1, ...patch]);
const labels = deepSupervisionScales(spec).map((s) =>
  be.zeros([2, 1, ...patch.map((p, a) => Math.round(p * s[a]))]),
);
const weights = deepSupervisionWeights(spec.nStages);
async function step() {
  const { lossAcc } = forwardBackward(net, x, labels, { batchDice: true, smooth: 1e-5, weights });
  be.release(sgdStep(be, net.params, 0.01, NNUNET_SGD));
  await readLoss(be, lossAcc);
}
let t = performance.now();
await step();
console.log(`${ctx.description}: patch ${S}³ batch 2; first step ${(performance.now() - t).toFixed(0)} ms`);
t = performance.now();
await step();
console.log(`second step ${(performance.now() - t).toFixed(0)} ms`);
be.runner.recording = [];
await step();
const timed = await be.runner.replayTimed();
const kind = (code: string) => {
  const names = code.match(/var<storage, [a-z_]+> (\w+)/g)?.map((m) => m.split(' ').pop()) ?? [];
  const tag = code.includes('var<workgroup> gt')
    ? ' (tiled weight grad)'
    : code.includes('var<workgroup> xt')
      ? ' (tiled)'
      : '';
  return `${names.join(',')}${tag}`;
};
const agg = new Map<string, { n: number; ms: number }>();
for (const { kernel, ms } of timed) {
  const k = kind(kernel.code);
  const a = agg.get(k) ?? { n: 0, ms: 0 };
  a.n++;
  a.ms += ms;
  agg.set(k, a);
}
console.log(
  `${timed.length} dispatches, ${timed.reduce((s, r) => s + r.ms, 0).toFixed(0)} ms replayed one by one`,
);
for (const [k, v] of [...agg].sort((a, b) => b[1].ms - a[1].ms))
  console.log(`${v.ms.toFixed(0).padStart(8)} ms ${String(v.n).padStart(4)}×  ${k}`);
process.exit(0);
