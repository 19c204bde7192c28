import { TesseraError } from '../../core/errors';
import { volumeInfo } from '../../core/io/volume/volume-info';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { readVolumeInput } from '../volume-input';

export const infoCommand: Command = {
  name: 'info',
  summary: 'print a volume header as JSON (shape, spacing, datatype, axis codes, affine, value range)',
  usage: 'tessera info <file.nii|.nii.gz|.nrrd|.npy | DICOM file, series folder or zip> [--series N]',
  async run(argv, out) {
    const { positionals, values } = parseCommandArgs('info', argv, { series: { type: 'string' } });
    if (positionals.length !== 1)
      throw new TesseraError('bad-argument', 'tessera info', 'give exactly one file');
    const series = values.series === undefined ? undefined : Number(values.series);
    if (series !== undefined && !(Number.isInteger(series) && series >= 1))
      throw new TesseraError(
        'bad-argument',
        'tessera info',
        `--series must be a series number, not '${values.series}'`,
      );
    const input = await readVolumeInput(positionals[0], series);
    // DICOM: the series found (patient-free) besides the header of the one read.
    const info = input.series
      ? { ...volumeInfo(input.volume), dicom_series: input.series }
      : volumeInfo(input.volume);
    out.stdout(`${JSON.stringify(info, null, 2)}\n`);
    return 0;
  },
};
