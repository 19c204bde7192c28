import path from 'node:path';
import { TesseraError } from '../../core/errors';
import { evaluateFolder, pyJoin } from '../../core/evaluation/evaluate-folder';
import { summaryJson } from '../../core/evaluation/summary';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { directoryTree } from '../node-file-tree';
import { readFileBytes, writeFileBytes } from '../node-files';

const USAGE = `tessera evaluate <gt_folder> <pred_folder> -djfile dataset.json [-pfile plans.json] [-o summary.json] [-np N] [--chill]

  nnUNetv2_evaluate_folder: Dice, IoU, TP, FP, FN, TN, n_ref, n_pred per case and label (or region),
  their means and the foreground mean, written as nnU-Net's summary.json
  -djfile FILE   the dataset.json (labels, regions, ignore label, file_ending)
  -pfile FILE    nnU-Net's plans file (accepted for compatibility; the default label manager is used)
  -o FILE        default: <pred_folder>/summary.json
  -np N          accepted for compatibility (cases are read one after another)
  --chill        do not require a prediction for every reference`;

/** nnU-Net's single-dash long options (-djfile, -pfile, -np) as node:util spells them. */
function normalizeArgs(argv: string[]): string[] {
  return argv.map((a) => (/^-(djfile|pfile|np)(=|$)/.test(a) ? `-${a}` : a));
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: "score predictions against references as nnUNetv2_evaluate_folder (nnU-Net's summary.json)",
  usage: USAGE,
  async run(argv, out) {
    const { values, positionals } = parseCommandArgs('evaluate', normalizeArgs(argv), {
      djfile: { type: 'string' },
      pfile: { type: 'string' },
      output: { type: 'string', short: 'o' },
      np: { type: 'string' },
      chill: { type: 'boolean' },
    });
    if (positionals.length !== 2)
      throw new TesseraError(
        'bad-argument',
        'tessera evaluate',
        'give the reference folder and the prediction folder',
      );
    if (!values.djfile)
      throw new TesseraError('bad-argument', 'tessera evaluate', 'give the dataset.json with -djfile');
    const [gt, pred] = positionals;
    const output = values.output ?? pyJoin(pred, 'summary.json');
    if (!output.endsWith('.json'))
      throw new TesseraError('bad-argument', output, 'the output file must end with .json');
    if (values.np !== undefined && !/^\d+$/.test(values.np))
      throw new TesseraError('bad-argument', '-np', `expects a number of processes; got '${values.np}'`);
    if (values.pfile) {
      try {
        JSON.parse(new TextDecoder().decode(await readFileBytes(values.pfile)));
      } catch (e) {
        if (e instanceof TesseraError) throw e;
        throw new TesseraError('bad-plans', values.pfile, 'is not valid JSON');
      }
    }
    const summary = await evaluateFolder({
      reference: await directoryTree(gt),
      prediction: await directoryTree(pred),
      referencePath: gt,
      predictionPath: pred,
      datasetJsonText: new TextDecoder().decode(await readFileBytes(values.djfile)),
      datasetJsonName: values.djfile,
      chill: values.chill ?? false,
    });
    await writeFileBytes(output, new TextEncoder().encode(summaryJson(summary)));
    out.stdout(
      `${path.normalize(output)}: ${summary.cases.length} cases, foreground mean Dice ${summary.foregroundMean.Dice}\n`,
    );
    return 0;
  },
};
