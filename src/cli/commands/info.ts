import { TesseraError } from '../../core/errors';
import { volumeInfo } from '../../core/io/volume/volume-info';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { readVolumeFile } from '../node-files';

export const infoCommand: Command = {
  name: 'info',
  summary: 'print a volume header as JSON (shape, spacing, datatype, axis codes, affine, value range)',
  usage: 'tessera info <file.nii|.nii.gz|.nrrd|.npy>',
  async run(argv, out) {
    const { positionals } = parseCommandArgs('info', argv, {});
    if (positionals.length !== 1)
      throw new TesseraError('bad-argument', 'tessera info', 'give exactly one file');
    const volume = await readVolumeFile(positionals[0]);
    out.stdout(`${JSON.stringify(volumeInfo(volume), null, 2)}\n`);
    return 0;
  },
};
