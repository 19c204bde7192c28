import { TesseraError } from '../../core/errors';
import { exportFold, openNnunetModel } from '../../core/model/bundle/nnunet-model';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { openFileSet } from '../node-file-set';
import { writeFileBytes } from '../node-files';
import { checkpointChoice } from './model-info';

export const exportOnnxCommand: Command = {
  name: 'export-onnx',
  summary: 'export one fold of an nnU-Net results folder as ONNX (runs on onnxruntime-web, WebGPU and wasm)',
  usage:
    'tessera export-onnx -m <results_folder|results.zip> [-f FOLD] -o out.onnx [--fp16] [--patch Z,Y,X]\n' +
    '                    [--checkpoint final|best|latest|auto] [--instance-norm precise|fused]\n' +
    '  input "input" [N, C, *patch] float32, output "logits" [N, classes, *patch] float32, N dynamic.\n' +
    '  FOLD defaults to the first fold present; --patch changes the spatial size (divisible by the strides);\n' +
    "  --fp16 stores weights and computes in float16 (for adapters with shader-f16); 'fused' uses ORT's\n" +
    '  InstanceNormalization op (fewer nodes, ~3e-2 off PyTorch) instead of the precise decomposition',
  async run(argv, out) {
    const { values } = parseCommandArgs(
      'export-onnx',
      argv,
      {
        model: { type: 'string', short: 'm' },
        fold: { type: 'string', short: 'f' },
        output: { type: 'string', short: 'o' },
        fp16: { type: 'boolean' },
        patch: { type: 'string' },
        checkpoint: { type: 'string', short: 'c' },
        'instance-norm': { type: 'string' },
      },
      false,
    );
    const cmd = 'tessera export-onnx';
    if (!values.model) throw new TesseraError('bad-argument', cmd, 'give the results folder with -m');
    if (!values.output) throw new TesseraError('bad-argument', cmd, 'give the output file with -o');
    const norm = values['instance-norm'] ?? 'precise';
    if (norm !== 'precise' && norm !== 'fused')
      throw new TesseraError('bad-argument', cmd, `--instance-norm must be precise or fused, got "${norm}"`);
    let spatialShape: number[] | undefined;
    if (values.patch !== undefined) {
      spatialShape = values.patch.split(/[,x ]+/).map(Number);
      if (spatialShape.some((n) => !Number.isInteger(n) || n < 1))
        throw new TesseraError(
          'bad-argument',
          cmd,
          `--patch must be positive integers like 32,112,128, got "${values.patch}"`,
        );
    }
    const files = await openFileSet(values.model);
    // nnU-Net names folds 0…4 and 'all'; accept the folder name too
    const fold = values.fold?.replace(/^fold_/, '');
    const model = await openNnunetModel(files, {
      checkpoint: checkpointChoice('export-onnx', values.checkpoint),
      folds: fold === undefined ? undefined : [fold],
    });
    const chosen = fold ?? [...model.checkpoints.keys()][0];
    const started = performance.now();
    const onnx = await exportFold(model, chosen, {
      precision: values.fp16 ? 'fp16' : 'fp32',
      spatialShape,
      instanceNorm: norm,
    });
    await writeFileBytes(values.output, onnx);
    const spatial = spatialShape ?? model.spec.patchSize;
    out.stdout(
      `${JSON.stringify({
        output: values.output,
        fold: chosen,
        configuration: model.configuration,
        precision: values.fp16 ? 'fp16' : 'fp32',
        input: { name: 'input', shape: ['N', model.spec.inputChannels, ...spatial] },
        output_logits: { name: 'logits', shape: ['N', model.spec.numClasses, ...spatial] },
        bytes: onnx.length,
        seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
      })}\n`,
    );
    return 0;
  },
};
