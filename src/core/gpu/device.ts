import { TesseraError } from '../errors';
import { isSoftwareAdapter } from './adapter';

/** Limits the engine raises to the adapter's maxima (the defaults cap one binding at 128 MiB). */
const RAISED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

export interface GpuContext {
  /** Held so the GPU object outlives the device: Dawn's Node binding tears the instance down with it. */
  gpu: GPU;
  device: GPUDevice;
  description: string;
  isFallbackAdapter: boolean;
  /** A CPU-emulated adapter (SwiftShader, llvmpipe): slower for training than the CPU twin. */
  software: boolean;
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
  };
}

/**
 * Opens a WebGPU device with the adapter's maximum limits. `gpu` is navigator.gpu in a browser or
 * worker; Node tests pass the `webgpu` package's GPU object. Fails with a TesseraError when there is no
 * adapter.
 */
export async function openGpu(gpu: GPU | undefined = globalThis.navigator?.gpu): Promise<GpuContext> {
  if (!gpu) throw new TesseraError('unsupported-format', 'WebGPU', 'not available in this environment');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new TesseraError('unsupported-format', 'WebGPU', 'no adapter (no GPU or driver)');
  const requiredLimits: Record<string, number> = {};
  for (const k of RAISED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number>)[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  const device = await adapter.requestDevice({ requiredLimits });
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const description =
    [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') ||
    'WebGPU adapter';
  return {
    gpu,
    device,
    description,
    isFallbackAdapter: !!(info as { isFallbackAdapter?: boolean }).isFallbackAdapter,
    software: isSoftwareAdapter(adapter),
    limits: {
      maxBufferSize: device.limits.maxBufferSize,
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
    },
  };
}
