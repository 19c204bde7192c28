/**
 * Which exported variant a WebGPU adapter should run: fp16 halves memory and bandwidth but needs the
 * `shader-f16` feature (absent on SwiftShader and many integrated GPUs: there the JSEP build would silently
 * return zeros and the native build throw). Anything without it — and the wasm EP — gets fp32.
 */
export type OnnxVariant = 'fp32' | 'fp16';

export function chooseVariant(
  adapterFeatures: Iterable<string> | ReadonlySet<string> | null | undefined,
): OnnxVariant {
  if (!adapterFeatures) return 'fp32';
  for (const f of adapterFeatures) if (f === 'shader-f16') return 'fp16';
  return 'fp32';
}
