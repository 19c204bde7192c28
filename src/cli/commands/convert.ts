import fs from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../../core/errors';
import { pickSeries, readDicomSeries } from '../../core/io/dicom/read-dicom';
import type { DicomSeries } from '../../core/io/dicom/series';
import { describeSeries, summarizeSeries } from '../../core/io/dicom/series';
import { writeNifti } from '../../core/io/volume/nifti-writer';
import type { Volume } from '../../core/io/volume/volume';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { isDicomInput, scanDicomInput } from '../dicom-input';
import { readVolumeFile, writeFileBytes } from '../node-files';

const isNiftiName = (p: string) => /\.nii(\.gz)?$/i.test(p);

/** A file name for a series: its number, modality and description, nothing about the patient. */
export function seriesFileName(s: DicomSeries): string {
  const words = [String(s.index).padStart(3, '0'), s.modality, s.description]
    .filter(Boolean)
    .join('_')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  return `${words.slice(0, 80)}.nii.gz`;
}

async function writeVolume(volume: Volume, file: string): Promise<void> {
  const bytes = await writeNifti({
    data: volume.data,
    shape: volume.shape,
    like: volume,
    compress: !/\.nii$/i.test(file),
    description: volume.source.format === 'DICOM' ? 'Tessera from DICOM' : undefined,
  });
  await writeFileBytes(file, bytes);
}

export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert DICOM (file, series folder or zip) or any volume to NIfTI, on the grid dcm2niix writes',
  usage:
    'tessera convert <dicom file|folder|zip|volume> -o <out.nii.gz | folder/> [--series N]   (several series: --series N, or -o a folder for one file each)',
  async run(argv, out) {
    const { values, positionals } = parseCommandArgs('convert', argv, {
      output: { type: 'string', short: 'o' },
      series: { type: 'string' },
    });
    if (positionals.length !== 1 || !values.output)
      throw new TesseraError(
        'bad-argument',
        'tessera convert',
        'give one input and -o <out.nii.gz | folder>',
      );
    const input = positionals[0];
    const output = values.output;
    const series = values.series === undefined ? undefined : Number(values.series);
    if (series !== undefined && !(Number.isInteger(series) && series >= 1))
      throw new TesseraError(
        'bad-argument',
        'tessera convert',
        `--series must be a series number (1, 2, …), not '${values.series}'`,
      );
    const toFolder = !isNiftiName(output);
    const report = (file: string, v: Volume) =>
      out.stdout(`${file}: ${v.shape.join('×')}, ${v.spacing.map((x) => +x.toFixed(4)).join('×')} mm\n`);
    if (!(await isDicomInput(input))) {
      if (toFolder) throw new TesseraError('bad-argument', output, 'name the output .nii or .nii.gz');
      const volume = await readVolumeFile(input);
      await writeVolume(volume, output);
      report(output, volume);
      return 0;
    }
    const scan = await scanDicomInput(input);
    const images = scan.series.filter((s) => !s.isSegmentation);
    if (!toFolder || series !== undefined) {
      if (series === undefined && images.length > 1)
        throw new TesseraError(
          'bad-argument',
          input,
          `holds ${images.length} series; choose one with --series N or give -o a folder for one file each: ${images
            .map((s) => describeSeries(summarizeSeries(s)))
            .join('; ')}`,
        );
      const chosen = pickSeries(scan, input, series);
      const volume = await readDicomSeries(scan, chosen, input.replace(/\/+$/, ''));
      const file = toFolder ? path.join(output, seriesFileName(chosen)) : output;
      await writeVolume(volume, file);
      report(file, volume);
      return 0;
    }
    // A folder output: one NIfTI per image series.
    if (!images.length) pickSeries(scan, input);
    await fs.mkdir(output, { recursive: true });
    let failures = 0;
    for (const s of images) {
      const file = path.join(output, seriesFileName(s));
      try {
        const volume = await readDicomSeries(scan, s, `${input.replace(/\/+$/, '')} series ${s.index}`);
        await writeVolume(volume, file);
        report(file, volume);
      } catch (e) {
        if (!(e instanceof TesseraError)) throw e;
        failures++;
        out.stderr(`tessera convert: ${e.message}\n`);
      }
    }
    return failures ? 2 : 0;
  },
};
