/**
 * The globals a checkpoint may name: PyTorch's `weights_only=True` allow-list (torch/_weights_only_unpickler.py,
 * `_get_allowed_globals`), plus the two NumPy data types nnU-Net v2's own checkpoints carry (`_best_ema` and the
 * logged metrics are NumPy scalars, which is why nnU-Net loads with `weights_only=False`). Every other global —
 * `posix.system`, `builtins.eval`, any class — is refused: such a file may run code when handed to torch.load.
 */

const TORCH_ALLOWED = new Set([
  'collections.OrderedDict',
  'collections.Counter',
  'torch.nn.parameter.Parameter',
  'torch.serialization._get_layout',
  'torch.Size',
  'torch.Tensor',
  'torch.device',
  '_codecs.encode',
  'builtins.bytearray',
  'builtins.set',
  'builtins.complex',
  'torch.storage.UntypedStorage',
  'torch.storage.TypedStorage',
  'torch.per_tensor_affine',
  'torch.per_tensor_symmetric',
  'torch.per_channel_affine',
  'torch.per_channel_symmetric',
  'torch.per_channel_affine_float_qparams',
  'torch._tensor._rebuild_from_type_v2',
  ...[
    '_rebuild_parameter',
    '_rebuild_parameter_with_state',
    '_rebuild_qtensor',
    '_rebuild_tensor',
    '_rebuild_tensor_v2',
    '_rebuild_tensor_v3',
    '_rebuild_sparse_tensor',
    '_rebuild_meta_tensor_no_storage',
    '_rebuild_wrapper_subclass',
    '_rebuild_device_tensor_from_numpy',
    '_rebuild_device_tensor_from_cpu_tensor',
  ].map((f) => `torch._utils.${f}`),
]);

/** torch's dtypes (`str(torch.float32)`), its legacy storage and tensor classes. */
const DTYPES = [
  'float32 float float64 double float16 half bfloat16 complex32 complex64 complex128 cfloat cdouble chalf',
  'uint8 int8 int16 short int32 int int64 long bool qint8 quint8 qint32 quint4x2 quint2x4',
  'float8_e4m3fn float8_e5m2 float8_e4m3fnuz float8_e5m2fnuz float8_e8m0fnu float4_e2m1fn_x2 bits8 bits16',
  'bits1x8 bits2x4 bits4x2 uint1 uint2 uint3 uint4 uint5 uint6 uint7 uint16 uint32 uint64 int1 int2 int3',
  'int4 int5 int6 int7',
]
  .join(' ')
  .split(' ');
const TYPED =
  'Float Double Half BFloat16 Long Int Short Char Byte Bool ComplexFloat ComplexDouble QUInt8 QInt8 QInt32 QUInt4x2 QUInt2x4'.split(
    ' ',
  );
for (const d of DTYPES) TORCH_ALLOWED.add(`torch.${d}`);
for (const t of TYPED) {
  TORCH_ALLOWED.add(`torch.${t}Storage`);
  TORCH_ALLOWED.add(`torch.${t}Tensor`);
  TORCH_ALLOWED.add(`torch.cuda.${t}Tensor`);
}

/** What nnU-Net's checkpoints add: NumPy scalars (`numpy.core` before NumPy 2, `numpy._core` after). */
const NNUNET_NUMPY = new Set([
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
  'numpy.dtype',
]);

export function isCheckpointGlobalAllowed(path: string): boolean {
  // NumPy 2 names a dtype's class (numpy.dtypes.Float64DType) where NumPy 1 names numpy.dtype.
  return TORCH_ALLOWED.has(path) || NNUNET_NUMPY.has(path) || /^numpy\.dtypes\.\w+DType$/.test(path);
}
