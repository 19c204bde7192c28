import { TesseraError } from '../../core/errors';
import { writeNpy } from '../../core/io/volume/npy';
import { frame, frameCount, zyxShape, zyxSpacing } from '../../core/io/volume/volume';
import type { Shape3 } from '../../core/preprocessing/crop';
import { resampleChannel } from '../../core/resampling/resample';
import { computeNewShape, planResample, sameShape } from '../../core/resampling/resample-plan';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { readVolumeFile, writeFileBytes } from '../node-files';

function triple(flag: string, v: string | undefined, integer: boolean): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',').map((s) => Number(s.trim()));
  if (
    parts.length !== 3 ||
    parts.some((p) => !Number.isFinite(p) || p <= 0 || (integer && !Number.isInteger(p)))
  )
    throw new TesseraError(
      'bad-argument',
      'tessera resample',
      `${flag} must be three positive ${integer ? 'integers' : 'numbers'} z,y,x; got '${v}'`,
    );
  return parts;
}

function order(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 5)
    throw new TesseraError(
      'bad-argument',
      'tessera resample',
      `${flag} must be an integer from 0 to 5; got '${v}'`,
    );
  return n;
}

export const resampleCommand: Command = {
  name: 'resample',
  summary: "nnU-Net's resample_data_or_seg_to_shape on a volume (read in (z, y, x) order), written as .npy",
  usage:
    'tessera resample <in.nii.gz|.nrrd|.npy> --spacing z,y,x (--new-spacing z,y,x | --new-shape z,y,x)\n' +
    '                 [--order 3] [--order-z 0] [--seg] [--force-separate-z true|false] -o out.npy\n' +
    '  output (c, z, y, x): float32, or int16 labels with --seg. --spacing defaults to the file header\n' +
    '  (required for .npy); with both --new-shape and --new-spacing the shape is used and the spacing only\n' +
    "  decides separate-z; without --force-separate-z the anisotropy decides, as in nnU-Net's plans",
  async run(argv, out) {
    const { values, positionals } = parseCommandArgs('resample', argv, {
      spacing: { type: 'string' },
      'new-spacing': { type: 'string' },
      'new-shape': { type: 'string' },
      order: { type: 'string' },
      'order-z': { type: 'string' },
      seg: { type: 'boolean' },
      'force-separate-z': { type: 'string' },
      output: { type: 'string', short: 'o' },
    });
    const usage = (d: string) => new TesseraError('bad-argument', 'tessera resample', d);
    if (positionals.length !== 1) throw usage('give exactly one input volume');
    if (!values.output) throw usage('-o out.npy is required');
    const force = values['force-separate-z'];
    if (force !== undefined && force !== 'true' && force !== 'false')
      throw usage(`--force-separate-z must be true or false; got '${force}'`);

    const volume = await readVolumeFile(positionals[0]);
    const shape = zyxShape(volume) as Shape3;
    let spacing = triple('--spacing', values.spacing, false);
    if (!spacing) {
      if (volume.source.format === 'npy')
        throw usage('--spacing z,y,x is required for .npy input (it has no header)');
      spacing = zyxSpacing(volume);
    }
    let newShape = triple('--new-shape', values['new-shape'], true);
    let newSpacing = triple('--new-spacing', values['new-spacing'], false);
    if (!newShape && !newSpacing) throw usage('give --new-spacing z,y,x or --new-shape z,y,x');
    if (!newShape) newShape = computeNewShape(shape, spacing, newSpacing!);
    if (!newSpacing) newSpacing = spacing.map((s, i) => (s * shape[i]) / newShape![i]);

    const isSeg = values.seg === true;
    const kwargs = {
      is_seg: isSeg,
      order: order('--order', values.order, 3),
      order_z: order('--order-z', values['order-z'], 0),
      force_separate_z: force === undefined ? null : force === 'true',
    };
    const spec = planResample(shape, newShape, spacing, newSpacing, kwargs);
    const channels = Array.from({ length: frameCount(volume) }, (_, t) => frame(volume, t));
    const results = channels.map((ch) => {
      if (isSeg) {
        for (let i = 0; i < ch.length; i++)
          if (!Number.isInteger(ch[i]) || ch[i] < -32768 || ch[i] > 32767)
            throw new TesseraError(
              'bad-argument',
              positionals[0],
              `--seg needs integer labels in the int16 range; found ${ch[i]}`,
            );
      }
      const input = isSeg ? Int16Array.from(ch) : Float32Array.from(ch);
      return sameShape(shape, newShape!) ? input : resampleChannel(input, spec);
    });
    const n = newShape[0] * newShape[1] * newShape[2];
    const all = isSeg ? new Int16Array(n * results.length) : new Float32Array(n * results.length);
    results.forEach((r, c) => {
      all.set(r, c * n);
    });
    await writeFileBytes(values.output, writeNpy(all, [results.length, ...newShape]));
    const sep =
      spec.axis === null ? 'no separate z' : `separate z along axis ${spec.axis} (order_z ${kwargs.order_z})`;
    out.stdout(
      `(${results.length}, ${shape.join(', ')}) → (${results.length}, ${newShape.join(', ')}), ${isSeg ? 'labels' : 'image'}, order ${kwargs.order}, ${sep} → ${values.output}\n`,
    );
    return 0;
  },
};
