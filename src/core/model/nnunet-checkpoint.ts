import { TesseraError } from '../errors';
import type { ByteSource } from '../io/archive/byte-source';
import { type PickleValue, toPlain } from '../io/torch/pickle';
import { openTorchFile, type TorchFile } from '../io/torch/torch-checkpoint';
import { type Tensor, TensorRef, toFloat32 } from '../io/torch/torch-tensor';
import type { NetworkSpec } from './network-spec';
import { parameterShapes } from './parameters';

/**
 * nnU-Net's checkpoint dict (nnUNetTrainer.save_checkpoint): `network_weights` (the state_dict),
 * `optimizer_state`, `init_args` {plans, configuration, fold, dataset_json, device}, `trainer_name`,
 * `inference_allowed_mirroring_axes`, `current_epoch`, … Only the weights' metadata is read here; their bytes
 * are read by loadNetworkWeights, and the optimizer state is never read at all.
 */
export interface NnunetCheckpoint {
  file: string;
  torch: TorchFile;
  trainerName: string | null;
  /** init_args.configuration: the configuration the network was trained with. */
  configuration: string | null;
  fold: number | string | null;
  /** init_args.plans / dataset_json (plain JSON), when present. */
  plans: unknown;
  datasetJson: unknown;
  inferenceAllowedMirroringAxes: number[] | null;
  currentEpoch: number | null;
  /** state-dict key → tensor reference (no data read yet). */
  weights: Map<string, TensorRef>;
}

// DataParallel / torch.compile wrappers prefix every key; nnU-Net strips them too.
const stripWrapper = (k: string) => k.replace(/^(module\.|_orig_mod\.)+/, '');

export async function readNnunetCheckpoint(source: ByteSource): Promise<NnunetCheckpoint> {
  const torch = await openTorchFile(source);
  const file = source.name;
  const root = torch.root;
  if (!(root instanceof Map))
    throw new TesseraError(
      'bad-model',
      file,
      'is a torch file but not an nnU-Net checkpoint (no checkpoint dict)',
    );
  const netW = root.get('network_weights') ?? root.get('state_dict');
  if (!(netW instanceof Map))
    throw new TesseraError('bad-model', file, 'is not an nnU-Net checkpoint: it has no "network_weights"');
  const weights = new Map<string, TensorRef>();
  for (const [k, v] of netW) {
    if (typeof k !== 'string' || !(v instanceof TensorRef))
      throw new TesseraError('bad-model', file, `network_weights entry ${String(k)} is not a tensor`);
    weights.set(stripWrapper(k), v);
  }
  const initArgs = root.get('init_args');
  const ia = initArgs instanceof Map ? initArgs : new Map<PickleValue, PickleValue>();
  const str = (v: PickleValue | undefined) => (typeof v === 'string' ? v : null);
  const axes = root.get('inference_allowed_mirroring_axes');
  const fold = ia.get('fold');
  const epoch = root.get('current_epoch');
  return {
    file,
    torch,
    trainerName: str(root.get('trainer_name')),
    configuration: str(ia.get('configuration')),
    fold: typeof fold === 'number' || typeof fold === 'string' ? fold : null,
    plans: ia.has('plans') ? toPlain(ia.get('plans')!) : null,
    datasetJson: ia.has('dataset_json') ? toPlain(ia.get('dataset_json')!) : null,
    inferenceAllowedMirroringAxes:
      Array.isArray(axes) && axes.every((a) => typeof a === 'number') ? (axes as number[]) : null,
    currentEpoch: typeof epoch === 'number' ? epoch : null,
    weights,
  };
}

const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Check the checkpoint's state dict against the network the plans describe, like torch's strict
 * load_state_dict: a missing, unexpected or misshaped tensor is an error naming the key. The
 * `all_modules` / `decoder.encoder` duplicates may be absent (some exporters drop them) but must match when present.
 */
export function checkWeights(
  spec: NetworkSpec,
  weights: Map<string, { shape: number[] }>,
  file: string,
): void {
  const expected = parameterShapes(spec);
  const byKey = new Map(expected.map((e) => [e.key, e]));
  const missing = expected.filter((e) => e.aliasOf === null && !weights.has(e.key)).map((e) => e.key);
  const unexpected = [...weights.keys()].filter((k) => !byKey.has(k));
  const fmt = (l: string[]) =>
    `${l.slice(0, 3).join(', ')}${l.length > 3 ? ` and ${l.length - 3} more` : ''}`;
  if (missing.length)
    throw new TesseraError('bad-model', file, `weights do not match the plans: missing ${fmt(missing)}`);
  if (unexpected.length)
    throw new TesseraError(
      'bad-model',
      file,
      `weights do not match the plans: unexpected ${fmt(unexpected)}`,
    );
  for (const [k, t] of weights) {
    const e = byKey.get(k)!;
    if (!same(e.shape, t.shape))
      throw new TesseraError(
        'bad-model',
        file,
        `weights do not match the plans: ${k} has shape [${t.shape}], the network needs [${e.shape}]`,
      );
  }
}

/**
 * The network's learnable tensors and buffers (canonical keys only, aliases skipped), as float32,
 * after checkWeights. Only these storages are read from the file.
 */
export async function loadNetworkWeights(
  ckpt: NnunetCheckpoint,
  spec: NetworkSpec,
  /** only these state-dict keys (the segmentation layer, say); default every parameter */
  only?: (key: string) => boolean,
): Promise<Map<string, Float32Array>> {
  checkWeights(spec, ckpt.weights, ckpt.file);
  const out = new Map<string, Float32Array>();
  for (const e of parameterShapes(spec)) {
    if (e.aliasOf !== null || (only && !only(e.key))) continue;
    const ref = ckpt.weights.get(e.key)!;
    if (
      ref.dtype === 'bool' ||
      (ref.dtype !== 'int64' && !ref.dtype.startsWith('float') && ref.dtype !== 'bfloat16')
    )
      throw new TesseraError(
        'bad-model',
        ckpt.file,
        `${e.key} has dtype ${ref.dtype}, expected a float tensor`,
      );
    const t: Tensor = await ckpt.torch.loadTensor(ref);
    out.set(e.key, toFloat32(t));
  }
  // The weights hold their storages; the checkpoint object (kept for metadata) need not.
  ckpt.torch.releaseCache();
  return out;
}
