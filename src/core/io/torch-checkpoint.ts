import { TesseraError } from '../errors';
import type { ByteSource } from './byte-source';
import { type PickleValue, unpickle } from './pickle';
import { openLegacyTorch } from './torch-legacy';
import { storageDType, torchPickleOptions } from './torch-pickle';
import {
  ELEMENT_SIZE,
  materialize,
  StorageRef,
  swapBytes,
  type Tensor,
  type TensorRef,
} from './torch-tensor';
import { isZip, openZip, readZipEntry } from './zip-reader';

/**
 * A torch.save file (`.pth`, `.pt`): the zip format of torch ≥ 1.6 (`<name>/data.pkl` + `<name>/data/<key>`
 * storages + `<name>/byteorder`), or the legacy non-zip format (back-to-back pickles + raw storages).
 * `root` is the unpickled object with tensors as TensorRef; `loadTensor` reads one tensor's bytes on demand.
 */
export interface TorchFile {
  name: string;
  root: PickleValue;
  loadTensor(ref: TensorRef): Promise<Tensor>;
  /** Forget the storages read so far (tensors already returned stay valid). */
  releaseCache(): void;
}

export async function openTorchFile(source: ByteSource): Promise<TorchFile> {
  const file = source.name;
  if (source.size < 4)
    throw new TesseraError('truncated-data', file, 'is too short to be a torch checkpoint');
  const head = await source.read(0, Math.min(source.size, 16));
  if (!isZip(head)) {
    if (head[0] === 0x80) return openLegacyTorch(await source.read(0, source.size), file);
    throw new TesseraError(
      'bad-magic',
      file,
      'is not a PyTorch checkpoint (neither a torch zip archive nor a legacy torch file)',
    );
  }
  const zip = await openZip(source);
  const pkl = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length !== 1)
    throw new TesseraError(
      'bad-model',
      file,
      pkl.length
        ? 'holds several data.pkl records'
        : 'is a zip archive but not a torch checkpoint (no data.pkl)',
    );
  const prefix = pkl[0].slice(0, -'data.pkl'.length);
  let bigEndian = false;
  if (zip.entries.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(await readZipEntry(zip, `${prefix}byteorder`)).trim();
    if (order !== 'little' && order !== 'big')
      throw new TesseraError('bad-header', file, `unknown byteorder "${order}"`);
    bigEndian = order === 'big';
  }
  const storages = new Map<string, StorageRef>();
  const options = torchPickleOptions(file, (type, key, location, numel) => {
    const dtype = storageDType(type, file);
    if (typeof key !== 'string' || typeof numel !== 'number')
      throw new TesseraError('bad-model', file, 'a storage record in the checkpoint is malformed');
    let s = storages.get(key);
    if (!s) {
      if (!zip.entries.has(`${prefix}data/${key}`))
        throw new TesseraError('truncated-data', file, `storage data/${key} is missing from the archive`);
      s = new StorageRef(key, dtype, numel, String(location));
      storages.set(key, s);
    }
    return s;
  });
  const root = unpickle(await readZipEntry(zip, pkl[0]), `${file} (${pkl[0]})`, options);

  const cache = new Map<string, Promise<Uint8Array>>();
  const storageBytes = (s: StorageRef) => {
    let p = cache.get(s.key);
    if (!p) {
      p = readZipEntry(zip, `${prefix}data/${s.key}`).then((b) => {
        if (b.length < s.numel * ELEMENT_SIZE[s.dtype])
          throw new TesseraError('truncated-data', file, `storage data/${s.key} is shorter than declared`);
        return bigEndian ? swapBytes(b, ELEMENT_SIZE[s.dtype]) : b;
      });
      cache.set(s.key, p);
    }
    return p;
  };
  return {
    name: file,
    root,
    loadTensor: async (ref) => materialize(ref, await storageBytes(ref.storage), file),
    releaseCache: () => cache.clear(),
  };
}
