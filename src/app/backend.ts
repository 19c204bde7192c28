import { probeWebGpu } from '../core/gpu/adapter';
import { useStore } from './store';

/**
 * Find out what can compute here: a WebGPU adapter (fallback adapters such as SwiftShader included: they
 * are slow but correct), else wasm with as many threads as cross-origin isolation allows.
 */
export async function detectBackend(): Promise<void> {
  const threads = self.crossOriginIsolated ? Math.max(1, Math.min(8, navigator.hardwareConcurrency ?? 1)) : 1;
  const wasm = `wasm · ${threads} thread${threads > 1 ? 's' : ''}`;
  const probe = await probeWebGpu();
  useStore.getState().setBackend(
    probe.ok
      ? {
          kind: 'webgpu',
          label: `WebGPU · ${probe.name}${probe.software ? ' (software)' : ''}`,
          reason: probe.software ? 'a software (fallback) adapter: correct but slow' : undefined,
        }
      : { kind: 'wasm', label: wasm, reason: probe.reason },
  );
}
