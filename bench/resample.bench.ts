/**
 * Tessera's resampler against nnU-Net's (scipy / scikit-image through bench/nnunet_resample.py) on the
 * same inputs, side by side: agreement and the time ratio. Installs python3-scipy / python3-skimage
 * with apt-get when Debian's python3 lacks them.
 *
 *   npx tsx bench/resample.bench.ts [--quick]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy, writeNpy } from '../src/core/io/volume/npy';
import type { Shape3 } from '../src/core/preprocessing/crop';
import { resampleData } from '../src/core/resampling/resample-data';
import { planResample, type ResampleKwargs } from '../src/core/resampling/resample-plan';
import { resampleSeg } from '../src/core/resampling/resample-seg';

const PYTHON = process.env.TESSERA_PYTHON ?? '/usr/bin/python3';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'nnunet_resample.py');
const quick = process.argv.includes('--quick');

function ensurePython(): void {
  const ok = spawnSync(PYTHON, ['-c', 'import scipy, skimage, numpy'], { stdio: 'ignore' }).status === 0;
  if (ok) return;
  console.log('installing python3-scipy python3-skimage with apt-get …');
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', 'python3-numpy', 'python3-scipy', 'python3-skimage'], {
    stdio: 'inherit',
  });
}

/** A smooth body-like volume with noise inside an ellipsoid (air outside), or its label map. */
function phantom(shape: Shape3, seed: number, labels: boolean): Float32Array | Int16Array {
  const [nz, ny, nx] = shape;
  const out = labels ? new Int16Array(nz * ny * nx) : new Float32Array(nz * ny * nx);
  let s = seed;
  const rnd = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  let i = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        const d = ((z / nz - 0.5) / 0.45) ** 2 + ((y / ny - 0.5) / 0.42) ** 2 + ((x / nx - 0.5) / 0.47) ** 2;
        if (labels) out[i] = d < 0.2 ? 3 : d < 0.5 ? (x < nx / 2 ? 1 : 2) : 0;
        else
          out[i] = d < 1 ? 40 + 300 * Math.sin(x * 0.11) * Math.cos(y * 0.07 + z * 0.05) + 30 * rnd() : -1000;
      }
  return out;
}

interface Case {
  name: string;
  shape: Shape3;
  spacing: number[];
  target: number[];
  kwargs: ResampleKwargs;
}

const ct = (kwargs: ResampleKwargs, name: string): Case => ({
  name,
  shape: quick ? [40, 80, 80] : [80, 160, 160],
  spacing: [3, 3, 3],
  target: [1.5, 1.5, 1.5],
  kwargs,
});
const mr = (kwargs: ResampleKwargs, name: string): Case => ({
  name,
  shape: quick ? [12, 160, 160] : [24, 320, 320],
  spacing: [5, 0.6, 0.6],
  target: [4, 0.75, 0.75],
  kwargs,
});
const image: ResampleKwargs = { is_seg: false, order: 3, order_z: 0, force_separate_z: null };
const labels: ResampleKwargs = { is_seg: true, order: 1, order_z: 0, force_separate_z: null };
const CASES: Case[] = [
  ct(image, 'CT 3 mm → 1.5 mm, image, cubic'),
  ct(labels, 'CT 3 mm → 1.5 mm, labels, linear one-hot'),
  mr(image, 'MR 5×0.6×0.6 → 4×0.75×0.75, image, separate-z (cubic in-plane, nearest z)'),
  mr(labels, 'MR 5×0.6×0.6 → 4×0.75×0.75, labels, separate-z'),
];

function best(repeats: number, f: () => void): number {
  let t = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    f();
    t = Math.min(t, (performance.now() - t0) / 1000);
  }
  return t;
}

function main(): void {
  ensurePython();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-'));
  const repeats = quick ? 1 : 3;
  console.log(
    `resampling, Tessera (Node ${process.version}, 1 thread) vs nnU-Net's scipy/skimage calls (${PYTHON}), best of ${repeats}`,
  );
  const rows: string[][] = [];
  for (const c of CASES) {
    const seg = c.kwargs.is_seg;
    const input = phantom(c.shape, 7, seg);
    const newShape = c.shape.map((n, i) => Math.round((c.spacing[i] / c.target[i]) * n)) as Shape3;
    const spec = planResample(c.shape, newShape, c.spacing, c.target, c.kwargs);
    const src = path.join(dir, 'in.npy');
    const dst = path.join(dir, 'out.npy');
    fs.writeFileSync(src, writeNpy(input, [1, ...c.shape]));
    const py = spawnSync(
      PYTHON,
      [
        SCRIPT,
        src,
        dst,
        newShape.join(','),
        String(spec.order),
        String(spec.orderZ),
        String(spec.axis ?? 'none'),
        seg ? '1' : '0',
        String(repeats),
      ],
      { encoding: 'utf8' },
    );
    if (py.status !== 0) throw new Error(`python failed: ${py.stderr}`);
    const tPython = Number(py.stdout.trim().split('\n').at(-1));
    let out: Float32Array | Int16Array = new Float32Array(0);
    const tTessera = best(repeats, () => {
      out = seg ? resampleSeg(input as Int16Array, spec) : resampleData(input as Float32Array, spec);
    });
    const ref = readNpy(new Uint8Array(fs.readFileSync(dst)), dst).data;
    let agreement: string;
    if (seg) {
      let same = 0;
      for (let i = 0; i < ref.length; i++) if (ref[i] === out[i]) same++;
      agreement = `${same === ref.length ? 'identical' : `${((100 * same) / ref.length).toFixed(4)} % equal`}`;
    } else {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      let d = 0;
      for (let i = 0; i < ref.length; i++) {
        lo = Math.min(lo, ref[i]);
        hi = Math.max(hi, ref[i]);
        d = Math.max(d, Math.abs(ref[i] - out[i]));
      }
      agreement = `max |d| ${(d / (hi - lo)).toExponential(1)} of range`;
    }
    rows.push([
      c.name,
      `${c.shape.join('×')} → ${newShape.join('×')}`,
      `${tPython.toFixed(2)} s`,
      `${tTessera.toFixed(2)} s`,
      `${(tPython / tTessera).toFixed(1)}×`,
      agreement,
    ]);
  }
  const head = ['case', 'shape', 'nnU-Net', 'Tessera', 'speed-up', 'agreement'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head, ...rows]) console.log(r.map((v, i) => v.padEnd(width[i])).join('  '));
  fs.rmSync(dir, { recursive: true, force: true });
}

main();
