import { useStore } from './store';

/**
 * Find out what can compute here: a WebGPU adapter (fallback adapters such as SwiftShader included: they
 * are slow but correct), else wasm with as many threads as cross-origin isolation allows.
 */
export async function detectBackend(): Promise<void> {
  const threads = self.crossOriginIsolated ? Math.max(1, Math.min(8, navigator.hardwareConcurrency ?? 1)) : 1;
  const wasm = `wasm · ${threads} thread${threads > 1 ? 's' : ''}`;
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) {
    useStore.getState().setBackend({
      kind: 'wasm',
      label: wasm,
      reason: 'this browser has no WebGPU (navigator.gpu missing)',
    });
    return;
  }
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) {
      useStore.getState().setBackend({
        kind: 'wasm',
        label: wasm,
        reason: 'WebGPU is present but no GPU adapter is available',
      });
      return;
    }
    const info = adapter.info;
    const name = [info.vendor, info.architecture || info.device].filter(Boolean).join(' ') || 'GPU';
    const fallback =
      (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter || info.isFallbackAdapter;
    useStore.getState().setBackend({
      kind: 'webgpu',
      label: `WebGPU · ${name}${fallback ? ' (software)' : ''}`,
      reason: fallback ? 'a software (fallback) adapter: correct but slow' : undefined,
    });
  } catch (e) {
    useStore
      .getState()
      .setBackend({ kind: 'wasm', label: wasm, reason: `WebGPU failed: ${(e as Error).message}` });
  }
}
