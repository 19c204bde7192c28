import { TesseraError } from '../../errors';
import type { ByteSource } from '../archive/byte-source';
import { isZip, openZip, readZipEntry } from '../archive/zip-reader';
import { unpickle } from './pickle';
import type { TorchFile } from './torch-file';
import { openLegacyTorch } from './torch-legacy';
import { storageDType, torchPickleOptions } from './torch-pickle';
import { ELEMENT_SIZE, materialize, StorageRef, swapBytes } from './torch-tensor';

export type { TorchFile };

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
