import { writeZip } from '../archive/zip-writer';
import {
  PickleCall,
  PickleGlobal,
  PickleOrderedDict,
  PicklePersistent,
  PickleTuple,
  type PickleWritable,
  pickle,
} from './pickle-writer';

/**
 * torch.save's zip format: `<name>/data.pkl` (pickle protocol 2) whose tensors are
 * `torch._utils._rebuild_tensor_v2(persistent storage, offset, size, stride, requires_grad, hooks)`,
 * one stored, 64-byte-aligned record `<name>/data/<key>` per storage (little-endian float32), plus
 * `<name>/version` and `<name>/byteorder`. Loads with torch.load in torch 1.13 and 2.x.
 */
export class TorchTensorOut {
  constructor(
    /** Storage key: tensors with the same key share one storage (state-dict aliases). */
    readonly key: string,
    readonly data: Float32Array,
    readonly shape: readonly number[],
  ) {}
}

function contiguousStride(shape: readonly number[]): number[] {
  const st = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1] * shape[i + 1];
  return st;
}

/** A tensor as its pickle: the rebuild call around the storage's persistent id. */
export function tensorPickle(t: TorchTensorOut): PickleWritable {
  const storage = new PicklePersistent(
    new PickleTuple(['storage', new PickleGlobal('torch', 'FloatStorage'), t.key, 'cpu', t.data.length]),
  );
  return new PickleCall('torch._utils', '_rebuild_tensor_v2', [
    storage,
    0,
    new PickleTuple([...t.shape]),
    new PickleTuple(contiguousStride(t.shape)),
    false,
    new PickleOrderedDict([]),
  ]);
}

export interface TorchSaveInput {
  /** The archive's folder name (torch uses the file name without extension). */
  archiveName: string;
  /** The pickled object, its tensors written with tensorPickle. */
  root: PickleWritable;
  /** Every tensor pickled in root (their storages are written as records). */
  tensors: TorchTensorOut[];
}

export function torchSave(input: TorchSaveInput): Uint8Array {
  const a = input.archiveName;
  const storages = new Map<string, Float32Array>();
  for (const t of input.tensors) {
    const prev = storages.get(t.key);
    if (prev && prev !== t.data) throw new Error(`storage ${t.key} given two different buffers`);
    storages.set(t.key, t.data);
  }
  const files = [{ name: `${a}/data.pkl`, data: pickle(input.root) }];
  files.push({ name: `${a}/byteorder`, data: new TextEncoder().encode('little') });
  for (const [key, data] of storages)
    files.push({
      name: `${a}/data/${key}`,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
  files.push({ name: `${a}/version`, data: new TextEncoder().encode('3\n') });
  return writeZip(files, { align: 64 });
}
