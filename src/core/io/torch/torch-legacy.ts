import { TesseraError } from '../../errors';
import { type PickleValue, unpickleAt } from './pickle';
import type { TorchFile } from './torch-file';
import { storageDType, torchPickleOptions } from './torch-pickle';
import { ELEMENT_SIZE, materialize, StorageRef } from './torch-tensor';

/** The magic number torch's legacy (pre-1.6, non-zip) format starts with. */
const MAGIC = 0x1950a86a20f9469cfc6cn;

/**
 * torch's legacy serialization: pickles back to back — magic number, protocol version (1001), sys info,
 * the object (storages as persistent ids), the list of storage keys — then each storage as an int64 element
 * count and its raw little-endian bytes. The whole file is in memory here (these files predate nnU-Net v2).
 */
export function openLegacyTorch(bytes: Uint8Array, file: string): TorchFile {
  const bad = (d: string) => new TesseraError('bad-model', file, d);
  const plain = {};
  let at = 0;
  const magic = unpickleAt(bytes, at, file, plain);
  if (magic.value !== Number(MAGIC) && magic.value !== MAGIC)
    throw new TesseraError('bad-magic', file, 'is not a PyTorch checkpoint (bad magic number)');
  at = magic.end;
  const protocol = unpickleAt(bytes, at, file, plain);
  if (protocol.value !== 1001) throw bad(`unsupported legacy torch protocol ${String(protocol.value)}`);
  const sysInfo = unpickleAt(bytes, protocol.end, file, plain);
  const littleEndian = sysInfo.value instanceof Map ? sysInfo.value.get('little_endian') !== false : true;
  if (!littleEndian)
    throw new TesseraError('unsupported-format', file, 'big-endian legacy torch files are not supported');

  const roots = new Map<string, StorageRef>();
  const views = new Map<string, StorageRef>();
  const options = torchPickleOptions(file, (type, key, location, numel, view) => {
    const dtype = storageDType(type, file);
    if (typeof key !== 'string' || typeof numel !== 'number') throw bad('a storage record is malformed');
    let root = roots.get(key);
    if (!root) {
      root = new StorageRef(key, dtype, numel, String(location));
      roots.set(key, root);
    }
    if (Array.isArray(view) && view.length === 3) {
      const [viewKey, offset, size] = view as PickleValue[];
      if (typeof offset !== 'number' || typeof size !== 'number') throw bad('a storage view is malformed');
      let v = views.get(String(viewKey));
      if (!v) {
        if (offset + size > root.numel) throw bad('a storage view reaches past its storage');
        v = new StorageRef(key, dtype, size, String(location), offset);
        views.set(String(viewKey), v);
      }
      return v;
    }
    return root;
  });
  const main = unpickleAt(bytes, sysInfo.end, file, options);
  const keys = unpickleAt(bytes, main.end, file, plain);
  if (!Array.isArray(keys.value)) throw bad('the storage key list is missing');

  // Raw storages follow in key order, each prefixed by its element count.
  const data = new Map<string, Uint8Array>();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = keys.end;
  for (const k of keys.value) {
    const root = roots.get(String(k));
    if (!root) throw bad(`storage ${String(k)} is listed but never used`);
    if (p + 8 > bytes.length)
      throw new TesseraError('truncated-data', file, 'the storages are cut off (truncated file)');
    const n = Number(dv.getBigInt64(p, true));
    const len = n * ELEMENT_SIZE[root.dtype];
    p += 8;
    if (n !== root.numel || p + len > bytes.length)
      throw new TesseraError('truncated-data', file, `storage ${String(k)} is cut off or has the wrong size`);
    data.set(root.key, bytes.subarray(p, p + len));
    p += len;
  }
  return {
    name: file,
    root: main.value,
    async loadTensor(ref) {
      const b = data.get(ref.storage.key);
      if (!b) throw new TesseraError('truncated-data', file, `storage ${ref.storage.key} has no data`);
      return materialize(ref, b, file);
    },
    // the whole legacy file is in memory anyway
    releaseCache: () => {},
  };
}
