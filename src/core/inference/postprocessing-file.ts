import { TesseraError } from '../errors';
import { PickleGlobal, toPlain, unpickle } from '../io/torch/pickle';
import { type PostprocessingStep, parsePostprocessing } from './postprocessing';

/**
 * The postprocessing nnU-Net's determine_postprocessing decided, from either file it writes:
 * `postprocessing.pkl` — the tuple (functions, kwargs), read without importing anything (a function is just
 * its dotted name) — or `postprocessing.json` ({postprocessing_fns, postprocessing_kwargs}).
 */
const POSTPROCESSING_FUNCTION =
  'nnunetv2.postprocessing.remove_connected_components.remove_all_but_largest_component_from_segmentation';

export function readPostprocessingFile(bytes: Uint8Array, file: string): PostprocessingStep[] {
  if (bytes[0] !== 0x80) {
    // not a pickle (protocol ≥ 2 starts with PROTO): the JSON form
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new TesseraError('bad-argument', file, `is not valid JSON (${(e as Error).message})`);
    }
    return parsePostprocessing(json, file);
  }
  // the one function nnU-Net's postprocessing names, as an inert name (nothing is ever imported or called)
  const root = unpickle(bytes, file, {
    allowGlobal: (g) => g === POSTPROCESSING_FUNCTION,
    allowListName: "the functions nnU-Net's postprocessing uses",
  });
  if (!Array.isArray(root) || root.length !== 2 || !Array.isArray(root[0]) || !Array.isArray(root[1]))
    throw new TesseraError('bad-model', file, 'is not a (postprocessing functions, kwargs) pickle');
  const fns = root[0].map((f) => {
    if (!(f instanceof PickleGlobal))
      throw new TesseraError('bad-model', file, 'holds a postprocessing step that is not a function');
    return f.name;
  });
  return parsePostprocessing({ postprocessing_fns: fns, postprocessing_kwargs: toPlain(root[1]) }, file);
}
