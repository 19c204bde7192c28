import { TesseraError } from '../../errors';
import { PickleGlobal, PickleObject, type PickleOptions, type PickleValue } from './pickle';
import { rebuildTensor, STORAGE_DTYPES, type StorageRef } from './torch-tensor';
import { isCheckpointGlobalAllowed } from './weights-only-globals';

/** Pickle handlers for the pure-data constructors torch and numpy use in checkpoints. */
export function torchPickleOptions(
  file: string,
  storage: (
    type: PickleValue,
    key: PickleValue,
    location: PickleValue,
    numel: PickleValue,
    view?: PickleValue,
  ) => StorageRef,
): PickleOptions {
  const rebuild = (args: PickleValue[]) => rebuildTensor(args, file);
  const reduce: Record<string, (args: PickleValue[]) => PickleValue> = {
    'torch._utils._rebuild_tensor': rebuild,
    'torch._utils._rebuild_tensor_v2': rebuild,
    // A Parameter is its data; requires_grad and hooks do not matter for inference.
    'torch._utils._rebuild_parameter': (args) => args[0],
    'torch._utils._rebuild_parameter_with_state': (args) => args[0],
    'numpy.core.multiarray.scalar': numpyScalar,
    'numpy._core.multiarray.scalar': numpyScalar,
  };
  // Tensor subclasses: _rebuild_from_type_v2(func, type, args, state) — only a known rebuild is followed.
  reduce['torch._tensor._rebuild_from_type_v2'] = (args) => {
    const [fn, , inner] = args;
    if (
      fn instanceof PickleGlobal &&
      fn.path.startsWith('torch._utils._rebuild_') &&
      reduce[fn.path] &&
      Array.isArray(inner)
    )
      return reduce[fn.path](inner);
    return new PickleObject('torch._tensor._rebuild_from_type_v2', args);
  };
  return {
    reduce,
    allowGlobal: isCheckpointGlobalAllowed,
    allowListName: "PyTorch's weights_only allow-list",
    persistentLoad(pid) {
      if (!Array.isArray(pid) || pid[0] !== 'storage')
        throw new TesseraError(
          'unsafe-pickle',
          file,
          'unknown persistent id in the pickle (not a torch storage)',
        );
      return storage(pid[1], pid[2], pid[3], pid[4], pid[5]);
    },
  };
}

function numpyScalar(args: PickleValue[]): PickleValue {
  const [dtype, bytes] = args;
  if (dtype instanceof PickleObject && dtype.global === 'numpy.dtype' && bytes instanceof Uint8Array) {
    const code = String(dtype.args[0]);
    const state = dtype.state;
    const big = Array.isArray(state) && state[1] === '>';
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const le = !big;
    const read: Record<string, () => number | bigint | boolean> = {
      f8: () => dv.getFloat64(0, le),
      f4: () => dv.getFloat32(0, le),
      i8: () => dv.getBigInt64(0, le),
      i4: () => dv.getInt32(0, le),
      i2: () => dv.getInt16(0, le),
      i1: () => dv.getInt8(0),
      u1: () => dv.getUint8(0),
      b1: () => dv.getUint8(0) !== 0,
    };
    const fn = read[code];
    if (fn && bytes.length >= Number(code.slice(1))) {
      const v = fn();
      return typeof v === 'bigint' &&
        v >= BigInt(Number.MIN_SAFE_INTEGER) &&
        v <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(v)
        : v;
    }
  }
  return new PickleObject('numpy.core.multiarray.scalar', args);
}

export function storageDType(type: PickleValue, file: string) {
  const name = type instanceof PickleGlobal ? type.name : typeof type === 'string' ? type : '';
  const dtype = STORAGE_DTYPES[name];
  if (!dtype)
    throw new TesseraError('unsupported-datatype', file, `tensor storage type "${name}" is not supported`);
  return dtype;
}
