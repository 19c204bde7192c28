/**
 * Milliseconds per training step of the tiny nnU-Net network (the shared 3d_fullres_tiny architecture:
 * PlainConvUNet 8-16-32-64-64, deep supervision) on a 64³ patch, batch 2: forward, DC+CE loss, backward,
 * clip + SGD. Side by side: the engine on WebGPU (in Node: Dawn on Chromium's SwiftShader unless a real
 * GPU is present), the engine's CPU twin, and PyTorch on the CPU (Debian's python3-torch,
 * bench/train_step_torch.py, same threads).
 *
 *   npx tsx bench/train-step.bench.ts [--steps 3] [--patch 64,64,64] [--batch 2]
 *
 * Each backend runs in its own process; the first step (pipeline compilation, buffer allocation) is
 * reported separately and left out of the median.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { swiftShaderEnv, swiftShaderPresent } from '../src/cli/swiftshader';
import type { Backend } from '../src/core/engine/backend';
import { CpuBackend } from '../src/core/engine/cpu/cpu-backend';
import { deepSupervisionScales, deepSupervisionWeights } from '../src/core/engine/deep-supervision';
import { heInit } from '../src/core/engine/he-init';
import { NNUNET_SGD, sgdStep } from '../src/core/engine/optimizer';
import { Rng } from '../src/core/engine/random';
import { forwardBackward, readLoss } from '../src/core/engine/train-step';
import { UNet } from '../src/core/engine/unet';
import { networkSpecFromPlans } from '../src/core/model/architecture';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODEL = path.resolve(
  ROOT,
  '../shared/reference/models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const steps = Number(arg('steps', '3'));
const patch = arg('patch', '64,64,64').split(',').map(Number);
const batch = Number(arg('batch', '2'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(be: Backend): Promise<{ first: number; ms: number[]; loss: number[] }> {
  const plans = JSON.parse(fs.readFileSync(path.join(MODEL, 'plans.json'), 'utf8'));
  const ds = JSON.parse(fs.readFileSync(path.join(MODEL, 'dataset.json'), 'utf8'));
  const spec = networkSpecFromPlans(plans, '3d_fullres_tiny', ds, { deepSupervision: true });
  const net = new UNet(be, spec);
  heInit(net, 1);
  const rng = new Rng(1);
  const vol = patch[0] * patch[1] * patch[2];
  const x = be.tensor(
    Float32Array.from({ length: batch * vol }, () => rng.normal()),
    [batch, 1, ...patch],
  );
  const labels = deepSupervisionScales(spec).map((s) => {
    const shape = patch.map((p, a) => Math.round(p * s[a]));
    const n = batch * shape[0] * shape[1] * shape[2];
    return be.tensor(
      Float32Array.from({ length: n }, () => rng.int(spec.numClasses)),
      [batch, 1, ...shape],
    );
  });
  const weights = deepSupervisionWeights(spec.nStages);
  const times: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t0 = performance.now();
    const { lossAcc } = forwardBackward(net, x, labels, { batchDice: true, smooth: 1e-5, weights });
    be.release(sgdStep(be, net.params, 0.01, NNUNET_SGD));
    losses.push((await readLoss(be, lossAcc)).loss);
    times.push(performance.now() - t0);
  }
  return { first: times[0], ms: times.slice(1), loss: losses };
}

async function child(kind: string): Promise<void> {
  let be: Backend;
  let device = 'TypeScript CPU twin (1 thread)';
  if (kind === 'webgpu') {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const { openGpu } = await import('../src/core/gpu/device');
    const { WebGpuBackend } = await import('../src/core/engine/webgpu/webgpu-backend');
    const ctx = await openGpu(create([]));
    device = ctx.description;
    be = new WebGpuBackend(ctx);
  } else be = new CpuBackend();
  const r = await measure(be);
  console.log(JSON.stringify({ device, ...r }));
  process.exit(0);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1 << 24 });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{'))
    return { error: (r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' ') };
  return JSON.parse(last);
}

async function main() {
  const kind = arg('child', '');
  if (kind) return child(kind);
  const common = ['--steps', String(steps), '--patch', patch.join(','), '--batch', String(batch)];
  const self = path.join(ROOT, 'bench/train-step.bench.ts');
  const gpuEnv = swiftShaderPresent() && !process.env.VK_ICD_FILENAMES ? swiftShaderEnv() : process.env;
  console.log(
    `training step, tiny nnU-Net (3d_fullres_tiny), patch ${patch.join('×')}, batch ${batch}, ${os.cpus().length} CPU cores`,
  );
  const results: Record<string, { device?: string; first?: number; ms?: number[]; error?: string }> = {
    webgpu: run(process.execPath, ['--import', 'tsx', self, '--child', 'webgpu', ...common], gpuEnv),
    cpu: run(process.execPath, ['--import', 'tsx', self, '--child', 'cpu', ...common]),
    pytorch: run('/usr/bin/python3', [
      path.join(ROOT, 'bench/train_step_torch.py'),
      '--patch',
      ...patch.map(String),
      '--batch',
      String(batch),
      '--steps',
      String(steps),
      '--threads',
      String(os.cpus().length),
    ]),
  };
  const torchMs = results.pytorch.ms ? median(results.pytorch.ms) : Number.NaN;
  for (const [name, r] of Object.entries(results)) {
    if (r.error || !r.ms) {
      console.log(`  ${name.padEnd(8)} failed: ${r.error}`);
      continue;
    }
    const m = median(r.ms);
    const first = r.first ? `, first step ${(r.first / 1000).toFixed(1)} s` : '';
    console.log(
      `  ${name.padEnd(8)} ${m.toFixed(0).padStart(7)} ms/step (${(m / torchMs).toFixed(2)}× PyTorch CPU${first}) ${r.device ?? ''}`,
    );
  }
}

await main();
