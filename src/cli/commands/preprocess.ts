import path from 'node:path';
import { TesseraError } from '../../core/errors';
import { readPreprocessingPlans } from '../../core/preprocessing/plans-view';
import { preprocessCase } from '../../core/preprocessing/preprocess-case';
import { decodeCase } from '../../core/preprocessing/worker-handlers';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { readFileBytes } from '../node-files';
import { writePreprocessedCase } from '../preprocessed-files';
import { readRawDataset } from '../raw-dataset';

export const preprocessCommand: Command = {
  name: 'preprocess',
  summary:
    "nnU-Net's preprocessing of a raw dataset's training cases (crop, normalize, resample, class locations)",
  usage:
    'tessera preprocess <raw_dataset_dir> --plans <plans.json> -c <configuration> -o <outdir> [--cases a,b]\n' +
    '  writes <case>_data.npy (float32, c,z,y,x), <case>_seg.npy (int8) and <case>_properties.json per case',
  async run(argv, out) {
    const { values, positionals } = parseCommandArgs('preprocess', argv, {
      plans: { type: 'string' },
      configuration: { type: 'string', short: 'c' },
      output: { type: 'string', short: 'o' },
      cases: { type: 'string' },
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
    const dataset = await readRawDataset(positionals[0]);
    if (dataset.channelNames.length !== plans.config.normalizationSchemes.length)
      throw new TesseraError(
        'bad-dataset',
        path.join(dataset.dir, 'dataset.json'),
        `has ${dataset.channelNames.length} channel(s) but the plans normalize ${plans.config.normalizationSchemes.length}`,
      );
    let cases = dataset.cases;
    if (values.cases) {
      const wanted = values.cases
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const known = new Set(cases.map((c) => c.id));
      const missing = wanted.filter((w) => !known.has(w));
      if (missing.length) throw usage(`no such case(s) in ${dataset.dir}: ${missing.join(', ')}`);
      cases = cases.filter((c) => wanted.includes(c.id));
    }

    for (const c of cases) {
      const t0 = performance.now();
      const files = {
        id: c.id,
        images: await Promise.all(c.images.map(async (f) => ({ name: f, bytes: await readFileBytes(f) }))),
        label: c.label ? { name: c.label, bytes: await readFileBytes(c.label) } : undefined,
      };
      const { input, reference } = await decodeCase(files);
      const r = preprocessCase(input, plans, { labels: c.label ? dataset.labels : undefined });
      await writePreprocessedCase(
        values.output,
        c.id,
        r,
        reference.source.format.startsWith('NIfTI') ? reference.affine : undefined,
      );
      const seconds = ((performance.now() - t0) / 1000).toFixed(2);
      out.stdout(
        `${c.id}: (${input.channels.length}, ${input.shape.join(', ')}) → (${r.data.length}, ${r.shape.join(', ')})${c.label ? '' : ' (no label)'} in ${seconds} s\n`,
      );
    }
    return 0;
  },
};
