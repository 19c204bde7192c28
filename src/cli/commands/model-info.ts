import { TesseraError } from '../../core/errors';
import { nnunetModelInfo, openNnunetModel } from '../../core/model/bundle/nnunet-model';
import type { CheckpointChoice } from '../../core/model/bundle/results-folder';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { openFileSet } from '../node-file-set';

/** --checkpoint final | best | latest | auto | <file>.pth */
export function checkpointChoice(command: string, value: string | undefined): CheckpointChoice {
  const v = value ?? 'auto';
  if (v === 'auto') return 'auto';
  if (v === 'final' || v === 'best' || v === 'latest') return `checkpoint_${v}.pth`;
  if (/^[^/\\]+\.pth$/.test(v)) return v as CheckpointChoice;
  throw new TesseraError(
    'bad-argument',
    `tessera ${command}`,
    `--checkpoint must be final, best, latest, auto or a .pth file name, got "${v}"`,
  );
}

export const modelInfoCommand: Command = {
  name: 'model-info',
  summary:
    'describe an nnU-Net results folder (or its zip) as JSON: configuration, trainer, folds, labels, network',
  usage:
    'tessera model-info -m <results_folder|results.zip> [--checkpoint final|best|latest|auto]\n' +
    '  prints configuration, trainer, folds, labels, input channels, patch size, parameter count, mirroring axes;\n' +
    "  every fold's checkpoint is checked against the network plans.json describes",
  async run(argv, out) {
    const { values, positionals } = parseCommandArgs('model-info', argv, {
      model: { type: 'string', short: 'm' },
      checkpoint: { type: 'string', short: 'c' },
    });
    const target = values.model ?? positionals[0];
    if (!target || positionals.length > (values.model ? 0 : 1))
      throw new TesseraError('bad-argument', 'tessera model-info', 'give one results folder with -m');
    const model = await openNnunetModel(await openFileSet(target), {
      checkpoint: checkpointChoice('model-info', values.checkpoint),
    });
    out.stdout(`${JSON.stringify(nnunetModelInfo(model), null, 2)}\n`);
    return 0;
  },
};
