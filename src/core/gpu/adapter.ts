/**
 * The one WebGPU adapter probe (the page's backend chip, the inference worker's backend choice and the CLI's
 * advice all ask this). Fallback adapters (SwiftShader) are accepted: slow, but correct.
 */
export interface WebGpuProbe {
  ok: boolean;
  /** a CPU-emulated adapter (SwiftShader, llvmpipe): correct but slower than wasm for inference */
  software: boolean;
  /** e.g. "Google SwiftShader" */
  name: string;
  features: string[];
  /** why WebGPU is not usable, when it is not */
  reason?: string;
}

export async function probeWebGpu(gpu: GPU | undefined = globalThis.navigator?.gpu): Promise<WebGpuProbe> {
  if (!gpu)
    return { ok: false, software: false, name: '', features: [], reason: 'this browser has no WebGPU' };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return {
      ok: false,
      software: false,
      name: '',
      features: [],
      reason: `WebGPU failed: ${(e as Error).message}`,
    };
  }
  if (!adapter)
    return {
      ok: false,
      software: false,
      name: '',
      features: [],
      reason: 'WebGPU is present but no GPU adapter is available',
    };
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const name = [info.vendor, info.architecture || info.device].filter(Boolean).join(' ') || 'GPU';
  return {
    ok: true,
    software: isSoftwareAdapter(adapter),
    name,
    features: [...adapter.features] as string[],
  };
}

/** A fallback or CPU-emulated adapter (SwiftShader, llvmpipe): correct, but slower than the CPU paths. */
export function isSoftwareAdapter(adapter: GPUAdapter): boolean {
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const fallback =
    !!(adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ||
    !!(info as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const described = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  return fallback || /swiftshader|llvmpipe|lavapipe|software/i.test(described);
}
