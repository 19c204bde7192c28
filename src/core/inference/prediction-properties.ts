import { TesseraError } from '../errors';
import { PickleObject, type PickleValue, unpickle } from '../io/torch/pickle';
import {
  PickleBuild,
  PickleCall,
  PickleGlobal,
  PickleTuple,
  type PickleWritable,
  pickle,
} from '../io/torch/pickle-writer';
import type { Affine } from '../io/volume/volume';
import type { CaseProperties } from '../preprocessing/preprocess-case';
import { PyFloat } from '../pycompat/python-json';

/**
 * The `<case>.pkl` nnU-Net writes beside `<case>.npz` (--save_probabilities): the properties dict of the
 * case — the reader's geometry (`nibabel_stuff` for NibabelIO, `sitk_stuff` for SimpleITKIO), `spacing` and
 * the preprocessing's crop record. nnUNetv2_ensemble writes the averaged segmentation with the geometry from
 * the first folder's pkl, so this is what makes a prediction folder ensemble-able, by Tessera or by nnU-Net.
 */

/** A C-order float64 numpy array as numpy pickles it: _reconstruct + BUILD (version, shape, dtype, fortran, bytes). */
function ndarrayFloat64(rows: number[][]): PickleWritable {
  const flat = rows.flat();
  const bytes = new Uint8Array(flat.length * 8);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < flat.length; i++) dv.setFloat64(i * 8, flat[i], true);
  const dtype = new PickleBuild(
    new PickleCall('numpy', 'dtype', ['f8', false, true]),
    new PickleTuple([3, '<', null, null, null, -1, -1, 0]),
  );
  return new PickleBuild(
    new PickleCall('numpy.core.multiarray', '_reconstruct', [
      new PickleGlobal('numpy', 'ndarray'),
      new PickleTuple([0]),
      new Uint8Array([0x62]), // b'b'
    ]),
    new PickleTuple([1, new PickleTuple([rows.length, rows[0].length]), dtype, false, bytes]),
  );
}

const floats = (v: number[]) => v.map((x) => new PyFloat(x));

/** SimpleITK's view of a NIfTI affine (RAS) : LPS direction, spacing (x, y, z) and origin. */
/** Unpickling options for nnU-Net's properties pickles: numpy arrays, read as inert descriptions; nothing else. */
export const NUMPY_PICKLE = {
  allowGlobal: (g: string) => NUMPY_ARRAY_GLOBALS.has(g),
  allowListName: "the numpy array types nnU-Net's properties hold",
};

const NUMPY_ARRAY_GLOBALS = new Set([
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.ndarray',
  'numpy.dtype',
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
  '_codecs.encode',
]);

export function sitkGeometry(affine: Affine): { spacing: number[]; origin: number[]; direction: number[] } {
  const flip = [-1, -1, 1];
  const spacing = [0, 1, 2].map((c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c]));
  const direction: number[] = [];
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) direction.push((flip[r] * affine[r][c]) / spacing[c]);
  return { spacing, origin: [0, 1, 2].map((r) => flip[r] * affine[r][3]), direction };
}

/** The properties pickle for a prediction, in the key order nnU-Net builds the dict. */
export function predictionPropertiesPickle(
  props: CaseProperties,
  readerWriter: string,
  affine: Affine,
): Uint8Array {
  let reader: PickleWritable;
  if (readerWriter.startsWith('SimpleITKIO')) {
    const g = sitkGeometry(affine);
    reader = {
      sitk_stuff: {
        spacing: new PickleTuple(floats(g.spacing)),
        origin: new PickleTuple(floats(g.origin)),
        direction: new PickleTuple(floats(g.direction)),
      },
    };
  } else {
    reader = { nibabel_stuff: { original_affine: ndarrayFloat64(affine) } };
  }
  return pickle(
    {
      ...(reader as Record<string, PickleWritable>),
      spacing: floats(props.spacing),
      shape_before_cropping: new PickleTuple(props.shape_before_cropping),
      bbox_used_for_cropping: props.bbox_used_for_cropping.map((b) => [...b]),
      shape_after_cropping_and_before_resampling: new PickleTuple(
        props.shape_after_cropping_and_before_resampling,
      ),
    },
    3,
  );
}

/** What export needs from a properties pickle: where the segmentation goes in the world. */
export interface PredictionGeometry {
  /** the NIfTI affine (RAS) to write the segmentation with */
  affine: Affine;
  /** nnU-Net's spacing (z, y, x) */
  spacing: number[];
}

function float64Array(v: PickleValue, file: string): number[] {
  const bad = () => new TesseraError('bad-model', file, 'original_affine is not a float64 numpy array');
  if (!(v instanceof PickleObject) || !v.global.endsWith('multiarray._reconstruct')) throw bad();
  const state = v.state;
  if (!Array.isArray(state) || state.length < 5) throw bad();
  const [, , dtype, fortran, raw] = state;
  if (!(dtype instanceof PickleObject) || dtype.args[0] !== 'f8' || !(raw instanceof Uint8Array)) throw bad();
  const dtState = dtype.state;
  const little = !(Array.isArray(dtState) && dtState[1] === '>');
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = Array.from({ length: raw.length / 8 }, (_, i) => dv.getFloat64(i * 8, little));
  if (fortran === true && out.length === 16)
    return Array.from({ length: 16 }, (_, i) => out[(i % 4) * 4 + Math.floor(i / 4)]);
  return out;
}

const numbers = (v: PickleValue | undefined): number[] | null =>
  Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : null;

/** Read a `<case>.pkl` written by nnU-Net (NibabelIO or SimpleITKIO) or by Tessera. */
export function readPredictionProperties(bytes: Uint8Array, file: string): PredictionGeometry {
  const root = unpickle(bytes, file, NUMPY_PICKLE);
  if (!(root instanceof Map)) throw new TesseraError('bad-model', file, 'is not an nnU-Net properties dict');
  const spacing = numbers(root.get('spacing'));
  if (!spacing) throw new TesseraError('bad-model', file, "has no 'spacing'");
  const nib = root.get('nibabel_stuff');
  if (nib instanceof Map) {
    if (nib.has('reoriented_affine'))
      throw new TesseraError(
        'unsupported-format',
        file,
        'comes from NibabelIOWithReorient, whose reoriented arrays Tessera does not export',
      );
    const a = float64Array(nib.get('original_affine') ?? null, file);
    if (a.length !== 16) throw new TesseraError('bad-model', file, 'original_affine is not 4 × 4');
    return { affine: [0, 1, 2, 3].map((r) => a.slice(r * 4, r * 4 + 4)), spacing };
  }
  const sitk = root.get('sitk_stuff');
  if (sitk instanceof Map) {
    const sp = numbers(sitk.get('spacing'));
    const origin = numbers(sitk.get('origin'));
    const dir = numbers(sitk.get('direction'));
    if (!sp || !origin || !dir || sp.length !== 3 || dir.length !== 9)
      throw new TesseraError('bad-model', file, 'sitk_stuff needs a 3-D spacing, origin and direction');
    if (sitk.has('original_orientation'))
      throw new TesseraError(
        'unsupported-format',
        file,
        'comes from SimpleITKIOWithReorient, whose reoriented arrays Tessera does not export',
      );
    const flip = [-1, -1, 1];
    const affine: Affine = [0, 1, 2].map((r) => [
      ...[0, 1, 2].map((c) => flip[r] * dir[r * 3 + c] * sp[c]),
      flip[r] * origin[r],
    ]);
    affine.push([0, 0, 0, 1]);
    return { affine, spacing };
  }
  throw new TesseraError('bad-model', file, 'has neither nibabel_stuff nor sitk_stuff (no image geometry)');
}
