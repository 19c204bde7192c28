import fs from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../../core/errors';
import { applyPostprocessing } from '../../core/inference/postprocessing';
import { readPostprocessingFile } from '../../core/inference/postprocessing-file';
import { segmentationNifti } from '../../core/inference/segmentation-nifti';
import { zyxShape } from '../../core/io/volume/volume';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { readFileBytes, readVolumeFile, writeFileBytes } from '../node-files';

async function readJson(file: string, why: string): Promise<Record<string, unknown>> {
  const bytes = await readFileBytes(file).catch(() => {
    throw new TesseraError('not-found', file, `is missing (${why})`);
  });
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new TesseraError('bad-argument', file, `is not valid JSON (${(e as Error).message})`);
  }
}

export const applyPostprocessingCommand: Command = {
  name: 'apply-postprocessing',
  summary:
    "apply find-best-configuration's postprocessing to a folder of segmentations, as nnUNetv2_apply_postprocessing",
  usage: [
    'tessera apply-postprocessing -i <folder> -o <folder> -pp_pkl_file <postprocessing.pkl|postprocessing.json>',
    '                             [-plans_json plans.json] [-dataset_json dataset.json] [-np N]',
    '  plans.json and dataset.json default to the input folder’s (predict and ensemble copy them there)',
  ].join('\n'),
  async run(argv, out) {
    // nnU-Net's single-dash long options, as argparse spells them
    const args = argv.map((a) =>
      ['-pp_pkl_file', '-plans_json', '-dataset_json', '-np'].includes(a) ? `-${a}` : a,
    );
    const { values } = parseCommandArgs(
      'apply-postprocessing',
      args,
      {
        input: { type: 'string', short: 'i' },
        output: { type: 'string', short: 'o' },
        pp_pkl_file: { type: 'string' },
        plans_json: { type: 'string' },
        dataset_json: { type: 'string' },
        np: { type: 'string' },
      },
      false,
    );
    const need = (v: string | undefined, flag: string) => {
      if (!v) throw new TesseraError('bad-argument', 'tessera apply-postprocessing', `${flag} is required`);
      return v;
    };
    const input = need(values.input, '-i');
    const output = need(values.output, '-o');
    const ppFile = need(values.pp_pkl_file, '-pp_pkl_file');
    if (values.np !== undefined)
      out.stderr('tessera apply-postprocessing: -np: ignored (one case after another)\n');
    const steps = readPostprocessingFile(await readFileBytes(ppFile), ppFile);
    const plans = await readJson(values.plans_json ?? path.join(input, 'plans.json'), 'give -plans_json');
    const datasetJson = await readJson(
      values.dataset_json ?? path.join(input, 'dataset.json'),
      'give -dataset_json',
    );
    const ending = String(datasetJson.file_ending ?? '.nii.gz');
    if (ending !== '.nii.gz' && ending !== '.nii')
      throw new TesseraError('unsupported-format', input, `file_ending ${ending}: Tessera writes NIfTI only`);
    const readerWriter = String(plans.image_reader_writer ?? 'SimpleITKIO');
    const files = (await fs.readdir(input)).filter((n) => n.endsWith(ending)).sort();
    await fs.mkdir(output, { recursive: true });
    for (const name of files) {
      const vol = await readVolumeFile(path.join(input, name));
      const shape = zyxShape(vol);
      const seg = new Uint16Array(vol.data.length);
      let top = 0;
      for (let i = 0; i < seg.length; i++) {
        const v = Math.round(Number(vol.data[i]));
        if (!(v >= 0 && v <= 65535))
          throw new TesseraError('bad-argument', path.join(input, name), `holds ${vol.data[i]}, not a label`);
        seg[i] = v;
      }
      applyPostprocessing(seg, shape, steps);
      for (let i = 0; i < seg.length; i++) if (seg[i] > top) top = seg[i];
      const labels = top < 255 ? Uint8Array.from(seg) : seg;
      await writeFileBytes(
        path.join(output, name),
        await segmentationNifti(labels, shape, vol.affine, readerWriter, ending === '.nii.gz'),
      );
    }
    out.stdout(`${JSON.stringify({ cases: files.length, steps: steps.length, output }, null, 2)}\n`);
    return 0;
  },
};
