/**
 * Peak memory of preprocessing a 512×512×400 CT the way a browser worker does it (file bytes in →
 * decode → crop → normalise → resample → class locations), measured as the child process's peak RSS.
 * Target (issue item 3): under 4× the volume's float32 size.
 *
 *   npx tsx bench/preprocess-memory.ts [--small]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNifti } from '../src/core/io/volume/nifti-writer';
import type { Volume } from '../src/core/io/volume/volume';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const small = process.argv.includes('--small');
const SHAPE_IJK = small ? [256, 256, 200] : [512, 512, 400];
const SPACING = [0.7, 0.7, 1.0];

function like(): Pick<Volume, 'affine' | 'spacing' | 'source'> {
  return {
    affine: [
      [SPACING[0], 0, 0, 0],
      [0, SPACING[1], 0, 0],
      [0, 0, SPACING[2], 0],
      [0, 0, 0, 1],
    ],
    spacing: SPACING,
    source: { format: 'NIfTI-1', datatypeOnDisk: 'int16', littleEndian: true, compressed: true },
  };
}

/** A body in air inside a round field of view (air, -1000, is nonzero: nothing to crop, the worst case). */
async function writeCase(dir: string): Promise<void> {
  const [ni, nj, nk] = SHAPE_IJK;
  const img = new Int16Array(ni * nj * nk);
  const lab = new Uint8Array(ni * nj * nk);
  let s = 1;
  let o = 0;
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++, o++) {
        const x = i / ni - 0.5;
        const y = j / nj - 0.5;
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const noise = (s >>> 24) / 16;
        const body = (x / 0.42) ** 2 + (y / 0.3) ** 2 < 1;
        img[o] =
          x * x + y * y > 0.25 ? -1024 : body ? Math.round(40 + 30 * Math.sin(i * 0.05) + noise) : -1000;
        const liver = ((x - 0.12) / 0.12) ** 2 + ((y + 0.05) / 0.1) ** 2 + ((k / nk - 0.5) / 0.2) ** 2 < 1;
        const kidney =
          ((Math.abs(x) - 0.15) / 0.04) ** 2 + ((y - 0.12) / 0.05) ** 2 + ((k / nk - 0.45) / 0.1) ** 2 < 1;
        lab[o] = liver ? 4 : kidney ? (x < 0 ? 2 : 3) : 0;
      }
  const image = path.join(dir, 'ct_0000.nii.gz');
  const label = path.join(dir, 'ct.nii.gz');
  fs.writeFileSync(image, await writeNifti({ data: img, shape: SHAPE_IJK, like: like() }));
  fs.writeFileSync(label, await writeNifti({ data: lab, shape: SHAPE_IJK, like: like(), datatype: 'uint8' }));
}

function main(): Promise<void> {
  return (async () => {
    if (process.argv.includes('--write')) {
      await writeCase(process.argv[process.argv.indexOf('--write') + 1]);
      return;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-mem-'));
    const env = { ...process.env };
    console.log(`writing a synthetic ${SHAPE_IJK.join('×')} int16 CT (+ labels) …`);
    // in a child: this process must stay small, a child's peak RSS starts from its parent's
    const w = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--write', dir, ...(small ? ['--small'] : [])],
      { stdio: 'inherit' },
    );
    if (w.status !== 0) throw new Error('writing the synthetic case failed');
    const files = { image: path.join(dir, 'ct_0000.nii.gz'), label: path.join(dir, 'ct.nii.gz') };
    const float32Bytes = SHAPE_IJK[0] * SHAPE_IJK[1] * SHAPE_IJK[2] * 4;
    const runs: [string, string[]][] = [
      ['inference case (no label), target = source spacing', [files.image, '', '1,0.7,0.7']],
      ['inference case, resampled to 1.0×0.8×0.8 mm', [files.image, '', '1,0.8,0.8']],
      [
        'training case (labels, class locations), resampled to 1.0×0.8×0.8 mm',
        [files.image, files.label, '1,0.8,0.8'],
      ],
      [
        'training case, resampled to 1.25×0.75×0.75 mm (larger in-plane)',
        [files.image, files.label, '1.25,0.75,0.75'],
      ],
    ];
    console.log(
      `float32 size of the volume: ${(float32Bytes / 2 ** 20).toFixed(0)} MiB; target peak < ${((4 * float32Bytes) / 2 ** 20).toFixed(0)} MiB`,
    );
    for (const [what, args] of runs) {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', path.join(HERE, 'preprocess-memory-child.ts'), ...args],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 24,
          env,
        },
      );
      if (r.stderr.trim()) console.log(r.stderr.trim());
      if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
      const m = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      const peak = m.maxRssBytes;
      console.log(
        `${what}: output ${m.shape.join('×')}, ${m.seconds.toFixed(1)} s, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB ` +
          `= ${(peak / float32Bytes).toFixed(2)}× float32 (${((peak - m.baselineRssBytes) / float32Bytes).toFixed(2)}× above ` +
          `the ${(m.baselineRssBytes / 2 ** 20).toFixed(0)} MiB of Node + tsx before the work)`,
      );
    }
    if (!process.env.TESSERA_KEEP) fs.rmSync(dir, { recursive: true, force: true });
    else console.log(`inputs kept in ${dir}`);
  })();
}

await main();
