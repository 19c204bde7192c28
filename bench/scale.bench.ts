/**
 * TotalSegmentator-class prediction at scale: `tessera predict` (auto = onnxruntime-node, and wasm = the
 * page's runtime) against nnU-Net v2's own predictor (PyTorch, CPU), whole process (start → file written)
 * and peak RSS (GNU time), on the shared 3 mm CT and on the same CT upsampled to a clinical grid
 * (0.78 × 0.78 × 1.5 mm, ~470 × 390 × 224), with ../shared/reference/models/Dataset297_TSStandIn
 * (118 classes, no TTA as TotalSegmentator runs it). Labels are compared voxel by voxel with nnU-Net's.
 *
 *   NNUNET_SRC=<a folder holding nnUNet/, dynamic-network-architectures/, acvl_utils/, batchgenerators/> \
 *     npx tsx bench/scale.bench.ts [--cases 3mm,full] [--backends auto,wasm] [--no-nnunet]
 *
 * Debian's Python packages for nnU-Net and GNU time are installed when missing
 * (scripts/ensure-nnunet-python.mjs).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readVolume } from '../src/core/io/volume/read-volume';
import { writeFullResolutionCt } from './scale-ct';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = path.resolve(ROOT, '../shared');
const MODEL = path.join(
  SHARED,
  'reference/models/Dataset297_TSStandIn/nnUNetTrainer__nnUNetPlans__3d_fullres',
);
const CT = path.join(SHARED, 'data/volumes/ct/ts_example_ct.nii.gz');
const OUT = path.join(ROOT, 'test-results/bench-scale');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const cases = arg('--cases', '3mm,full').split(',');
const backends = arg('--backends', 'auto,wasm').split(',');
const withNnunet = !process.argv.includes('--no-nnunet');

interface Run {
  seconds: number;
  cpuSeconds: number;
  peakGB: number;
}

/** Run a command under GNU time: wall seconds, user+sys seconds, peak RSS. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const log = path.join(OUT, 'time.log');
  execFileSync('/usr/bin/time', ['-v', '-o', log, cmd, ...args], { stdio: 'pipe', env, maxBuffer: 1 << 28 });
  const t = fs.readFileSync(log, 'utf8');
  const num = (re: RegExp) => Number(t.match(re)?.[1] ?? Number.NaN);
  const wall = t.match(/Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)/);
  const seconds = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : Number.NaN;
  return {
    seconds,
    cpuSeconds: num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/),
    peakGB: num(/Maximum resident set size \(kbytes\): (\d+)/) / 1e6,
  };
}

async function labels(file: string): Promise<Uint8Array | Uint16Array> {
  const v = await readVolume(new Uint8Array(fs.readFileSync(file)), file);
  return v.data as Uint8Array;
}

if (withNnunet || !fs.existsSync('/usr/bin/time'))
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/ensure-nnunet-python.mjs')], { stdio: 'inherit' });
fs.rmSync(OUT, { recursive: true, force: true });
const inputs: Record<string, string> = {};
for (const c of cases) {
  const dir = path.join(OUT, `in-${c}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'ct_0000.nii.gz');
  if (c === '3mm') fs.copyFileSync(CT, file);
  else console.log(`full-resolution CT: ${(await writeFullResolutionCt(CT, file)).join(' × ')}`);
  inputs[c] = dir;
}

const rows: string[] = [];
for (const c of cases) {
  let reference: Run | null = null;
  let referenceLabels: Uint8Array | Uint16Array | null = null;
  if (withNnunet) {
    const out = path.join(OUT, `nnunet-${c}`);
    const env: NodeJS.ProcessEnv = { ...process.env, nnUNet_def_n_proc: '2', OMP_NUM_THREADS: '2' };
    if (!env.NNUNET_SRC) throw new Error('set NNUNET_SRC to the fetched nnU-Net sources (see the header)');
    reference = timed(
      '/usr/bin/python3',
      [path.join(ROOT, 'bench/nnunet_predict.py'), '-i', inputs[c], '-o', out, '-m', MODEL, '--disable-tta'],
      env,
    );
    referenceLabels = await labels(path.join(out, 'ct.nii.gz'));
    rows.push(
      `${c.padEnd(5)} nnU-Net v2 (PyTorch CPU)  ${reference.seconds.toFixed(1).padStart(7)} s  cpu ${reference.cpuSeconds.toFixed(1).padStart(7)} s  peak ${reference.peakGB.toFixed(2)} GB`,
    );
    console.log(rows.at(-1));
  }
  for (const b of backends) {
    const out = path.join(OUT, `tessera-${b}-${c}`);
    const r = timed(process.execPath, [
      path.join(ROOT, 'bin/tessera.mjs'),
      'predict',
      '-i',
      inputs[c],
      '-o',
      out,
      '-m',
      MODEL,
      '--disable-tta',
      '--backend',
      b,
      '-q',
    ]);
    let agreement = '';
    if (referenceLabels) {
      const mine = await labels(path.join(out, 'ct.nii.gz'));
      let same = 0;
      for (let i = 0; i < mine.length; i++) if (mine[i] === referenceLabels[i]) same++;
      agreement = `  labels ${((100 * same) / mine.length).toFixed(3)} % equal`;
    }
    const ratio = reference
      ? `  ${(r.seconds / reference.seconds).toFixed(2)}× time, ${(r.peakGB / reference.peakGB).toFixed(2)}× memory`
      : '';
    rows.push(
      `${c.padEnd(5)} tessera ${b.padEnd(17)} ${r.seconds.toFixed(1).padStart(7)} s  cpu ${r.cpuSeconds.toFixed(1).padStart(7)} s  peak ${r.peakGB.toFixed(2)} GB${ratio}${agreement}`,
    );
    console.log(rows.at(-1));
  }
}
console.log(`\n${rows.join('\n')}`);
