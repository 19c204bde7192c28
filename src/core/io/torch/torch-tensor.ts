import { TesseraError } from '../../errors';
import { halfBitsToFloat } from '../../pycompat/float16';
import { PickleCustom, type PickleValue } from './pickle';

/**
 * Tensors of a torch checkpoint. The pickle yields references (dtype, shape, strides, storage key) without
 * touching the weights; a tensor's bytes are read only when it is materialized, so reading a checkpoint's
 * metadata (model-info) or only its `network_weights` (not the optimizer's momentum buffers) stays cheap.
 */
export type TorchDType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** float16 / bfloat16 data are the raw 16-bit patterns (see toFloat32). int64 is a BigInt64Array. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

export interface Tensor {
  dtype: TorchDType;
  /** C order, slowest first */
  shape: number[];
  /** contiguous, C order */
  data: TensorData;
}

export const ELEMENT_SIZE: Record<TorchDType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** torch's legacy storage class names (still what torch.save writes) → dtype. */
export const STORAGE_DTYPES: Record<string, TorchDType> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

export class StorageRef extends PickleCustom {
  constructor(
    readonly key: string,
    readonly dtype: TorchDType,
    /** elements */
    readonly numel: number,
    readonly location: string,
    /** legacy format: a view into another storage, in elements */
    readonly viewOffset = 0,
  ) {
    super();
  }
}

export class TensorRef extends PickleCustom {
  constructor(
    readonly storage: StorageRef,
    readonly storageOffset: number,
    readonly shape: number[],
    readonly stride: number[],
    readonly requiresGrad: boolean,
  ) {
    super();
  }
  get dtype(): TorchDType {
    return this.storage.dtype;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

const intArray = (v: PickleValue): number[] | null =>
  Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : null;

/** `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`. */
export function rebuildTensor(args: PickleValue[], file: string): TensorRef {
  const [storage, offset, size, stride, requiresGrad] = args;
  const shape = intArray(size);
  const strides = intArray(stride);
  if (
    !(storage instanceof StorageRef) ||
    typeof offset !== 'number' ||
    !shape ||
    !strides ||
    shape.length !== strides.length
  )
    throw new TesseraError('bad-model', file, 'a tensor record in the checkpoint is malformed');
  if (shape.some((d) => d < 0) || strides.some((s) => s < 0))
    throw new TesseraError('bad-model', file, 'a tensor has a negative size or stride');
  // The furthest element must lie inside the storage.
  const last = shape.some((d) => d === 0)
    ? -1
    : offset + shape.reduce((a, d, i) => a + (d - 1) * strides[i], 0);
  if (last >= storage.numel)
    throw new TesseraError('bad-model', file, `a tensor reaches past its storage (${storage.key})`);
  return new TensorRef(storage, offset, shape, strides, requiresGrad === true);
}

function typedView(dtype: TorchDType, bytes: Uint8Array): TensorData {
  const size = ELEMENT_SIZE[dtype];
  // Typed arrays need aligned offsets; torch aligns storages to 64 bytes, but copy when the host buffer is not.
  if (bytes.byteOffset % size !== 0) bytes = bytes.slice();
  const n = bytes.byteLength / size;
  const b = bytes.buffer;
  const o = bytes.byteOffset;
  switch (dtype) {
    case 'float32':
      return new Float32Array(b, o, n);
    case 'float64':
      return new Float64Array(b, o, n);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(b, o, n);
    case 'int64':
      return new BigInt64Array(b, o, n);
    case 'int32':
      return new Int32Array(b, o, n);
    case 'int16':
      return new Int16Array(b, o, n);
    case 'int8':
      return new Int8Array(b, o, n);
    default:
      return new Uint8Array(b, o, n);
  }
}

/** Reverse the bytes of every element (big-endian archives). */
export function swapBytes(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size)
    for (let k = 0; k < size; k++) out[i + k] = bytes[i + size - 1 - k];
  return out;
}

/** A contiguous tensor from its storage's bytes (little-endian), honouring offset and strides. */
export function materialize(ref: TensorRef, storageBytes: Uint8Array, file: string): Tensor {
  const dtype = ref.dtype;
  const size = ELEMENT_SIZE[dtype];
  const base = ref.storage.viewOffset;
  if (storageBytes.byteLength < (base + ref.storage.numel) * size)
    throw new TesseraError('truncated-data', file, `storage ${ref.storage.key} is shorter than its tensors`);
  const numel = ref.numel;
  const shape = ref.shape;
  let expected = 1;
  let contiguous = true;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && ref.stride[i] !== expected) contiguous = false;
    expected *= shape[i];
  }
  const start = (base + ref.storageOffset) * size;
  if (contiguous)
    return {
      dtype,
      shape: [...shape],
      data: typedView(dtype, storageBytes.subarray(start, start + numel * size)),
    };
  // Strided (e.g. a transposed view): gather element by element, the last axis fastest.
  const src = typedView(dtype, storageBytes.subarray(base * size)) as unknown as ArrayLike<number> & {
    [i: number]: number;
  };
  const out = typedView(dtype, new Uint8Array(numel * size)) as unknown as { [i: number]: number };
  const idx = new Array(shape.length).fill(0);
  let at = ref.storageOffset;
  for (let n = 0; n < numel; n++) {
    out[n] = src[at];
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      at += ref.stride[d];
      if (idx[d] < shape[d]) break;
      at -= ref.stride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { dtype, shape: [...shape], data: out as unknown as TensorData };
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Any floating tensor as float32 (float16/bfloat16 widened exactly, float64 rounded). */
export function toFloat32(t: Tensor): Float32Array {
  const d = t.data;
  if (t.dtype === 'float32') return d as Float32Array;
  const out = new Float32Array(d.length);
  if (t.dtype === 'bfloat16') {
    for (let i = 0; i < d.length; i++) {
      U32[0] = (d[i] as number) << 16;
      out[i] = F32[0];
    }
  } else if (t.dtype === 'float16') {
    for (let i = 0; i < d.length; i++) out[i] = halfBitsToFloat(d[i] as number);
  } else if (t.dtype === 'int64') {
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i] as bigint);
  } else {
    for (let i = 0; i < d.length; i++) out[i] = d[i] as number;
  }
  return out;
}
