import fs from 'node:fs/promises';
import { openDataset } from '../../core/dataset/open-dataset';
import type { DatasetSource } from '../../core/dataset/source';
import { openZipSource } from '../../core/dataset/zip-source';
import { TesseraError } from '../../core/errors';
import { readPreprocessingPlans } from '../../core/preprocessing/plans-view';
import { preprocessDataset } from '../../core/preprocessing/pool-preprocess';
import { preprocessCase } from '../../core/preprocessing/preprocess-case';
import { decodeCase, niftiAffine } from '../../core/preprocessing/worker-handlers';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { directorySource } from '../dataset-dir-source';
import { readFileBytes } from '../node-files';
import { preprocessWorkerPool } from '../node-worker-pool';
import { writePreprocessedCase } from '../preprocessed-files';

async function openSource(input: string): Promise<DatasetSource> {
  const stat = await fs.stat(input).catch(() => null);
  if (!stat) throw new TesseraError('not-found', input, 'no such file or directory');
  if (stat.isDirectory()) return directorySource(input);
  if (input.toLowerCase().endsWith('.zip')) return openZipSource(await readFileBytes(input), input);
  throw new TesseraError('bad-argument', input, 'give a raw dataset directory or a .zip of one');
}

export const preprocessCommand: Command = {
  name: 'preprocess',
  summary:
    "nnU-Net's preprocessing of a raw dataset's training cases (crop, normalize, resample, class locations)",
  usage:
    'tessera preprocess <raw_dataset_dir|.zip> --plans <plans.json> -c <configuration> -o <outdir> [--cases a,b]\n' +
    '                   [--workers N]\n' +
    '  writes <case>_data.npy (float32, c,z,y,x), <case>_seg.npy (int8) and <case>_properties.json per case;\n' +
    '  --workers runs N cases at a time in worker threads (default 1: in this thread)',
  async run(argv, out) {
    const { values, positionals } = parseCommandArgs('preprocess', argv, {
      plans: { type: 'string' },
      configuration: { type: 'string', short: 'c' },
      output: { type: 'string', short: 'o' },
      cases: { type: 'string' },
      workers: { type: 'string' },
    });
    const usage = (d: string) => new TesseraError('bad-argument', 'tessera preprocess', d);
    if (positionals.length !== 1) throw usage('give exactly one raw dataset folder');
    if (!values.plans) throw usage('--plans <plans.json> is required');
    if (!values.configuration) throw usage('-c <configuration> is required');
    if (!values.output) throw usage('-o <outdir> is required');

    const plansBytes = await readFileBytes(values.plans);
    let plansJson: unknown;
    try {
      plansJson = JSON.parse(new TextDecoder().decode(plansBytes));
    } catch (e) {
      throw new TesseraError(
        'bad-plans',
        values.plans,
        `is not valid JSON (${(e as Error).message.split('\n')[0]})`,
      );
    }
    const plans = readPreprocessingPlans(plansJson, values.configuration, values.plans);
    const source = await openSource(positionals[0]);
    const dataset = await openDataset(source);
    if (dataset.channels.length !== plans.config.normalizationSchemes.length)
      throw new TesseraError(
        'bad-dataset',
        `${source.name}/dataset.json`,
        `has ${dataset.channels.length} channel(s) but the plans normalize ${plans.config.normalizationSchemes.length}`,
      );
    let cases = dataset.cases;
    if (values.cases) {
      const wanted = values.cases
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const known = new Set(cases.map((c) => c.id));
      const missing = wanted.filter((w) => !known.has(w));
      if (missing.length) throw usage(`no such case(s) in ${source.name}: ${missing.join(', ')}`);
      cases = cases.filter((c) => wanted.includes(c.id));
    }
    const labels = dataset.datasetJson.labels;
    const workers = values.workers === undefined ? 1 : Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1)
      throw usage(`--workers must be a positive integer; got '${values.workers}'`);
    const load = async (c: (typeof cases)[number]) => {
      const hasLabel = dataset.files.has(c.label);
      return {
        id: c.id,
        images: await Promise.all(c.images.map(async (f) => ({ name: f, bytes: await source.read(f) }))),
        label: hasLabel ? { name: c.label, bytes: await source.read(c.label) } : undefined,
      };
    };

    if (workers > 1 && cases.length > 1) {
      const pool = preprocessWorkerPool(Math.min(workers, cases.length));
      const t0 = performance.now();
      try {
        await preprocessDataset(
          pool,
          cases.map((c) => () => load(c)),
          plans,
          labels,
          {
            onCase: async (id, r) => {
              await writePreprocessedCase(values.output!, id, r, r.affine);
              out.stdout(`${id}: → (${r.data.length}, ${r.shape.join(', ')})\n`);
            },
          },
        );
      } finally {
        pool.terminate();
      }
      out.stdout(
        `${cases.length} cases in ${((performance.now() - t0) / 1000).toFixed(2)} s on ${workers} workers\n`,
      );
      return 0;
    }

    for (const c of cases) {
      const t0 = performance.now();
      const files = await load(c);
      const hasLabel = files.label !== undefined;
      const decoded = await decodeCase(files, true);
      const { input } = decoded;
      const ref = decoded.reference;
      const affine = niftiAffine(ref);
      // keep only what the properties need: the voxels go with `input`, which preprocessCase consumes
      ref.data = new Uint8Array(0);
      const channels = input.channels.length;
      const shape = input.shape.join(', ');
      const r = preprocessCase(input, plans, { labels: hasLabel ? labels : undefined, consume: true });
      await writePreprocessedCase(values.output, c.id, r, affine);
      const seconds = ((performance.now() - t0) / 1000).toFixed(2);
      out.stdout(
        `${c.id}: (${channels}, ${shape}) → (${r.data.length}, ${r.shape.join(', ')})${hasLabel ? '' : ' (no label)'} in ${seconds} s\n`,
      );
    }
    return 0;
  },
};
