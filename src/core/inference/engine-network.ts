/**
 * Inference on Tessera's own WGSL kernels: a fold's network is the training engine's U-Net (engine/unet.ts,
 * the same forward the fine-tuner trains) on the WebGPU backend, with the checkpoint's weights. Its logits
 * stay in the engine's storage buffer and go straight to the GPU tile accumulator on the same device, so a
 * tile's K × patch values never cross to the CPU. Unlike onnxruntime-web's WebGPU EP it has a 3-D transposed
 * convolution and workgroup-tiled 3-D convolutions (engine/webgpu/kernels/conv-tiled.ts).
 */
import { measureInferenceForward } from '../engine/memory-estimate';
import type { Tensor } from '../engine/tensor';
import { engineUnsupported, UNet } from '../engine/unet';
import type { WebGpuBackend } from '../engine/webgpu/webgpu-backend';
import type { GpuContext } from '../gpu/device';
import type { NetworkSpec } from '../model/architecture';
import type { TileNetwork } from './onnx-network';

/**
 * The forward's GPU memory planned for by default: WebGPU cannot tell a device's size, so larger forwards
 * (a patch of a 100+-class model takes ~2.3 GB) stay within what a laptop GPU can give one tab.
 */
export const DEFAULT_MAX_FORWARD_BYTES = 4 * 2 ** 30;

/**
 * Why the engine should not run `spec` on `patch` on this device (an unsupported layer, a tensor over the
 * binding limit, a forward over its share of memory), or null when it can. Callers then use onnxruntime.
 */
export function engineInferenceRefusal(
  gpu: Pick<GpuContext, 'limits'>,
  spec: NetworkSpec,
  patch: readonly number[],
  /** GPU memory the forward may hold (WebGPU cannot tell a device's size: the caller's planning figure) */
  maxForwardBytes: number,
): string | null {
  const unsupported = engineUnsupported(spec);
  if (unsupported) return unsupported;
  const m = measureInferenceForward(spec, patch);
  if (m.largestTensorBytes > gpu.limits.maxStorageBufferBindingSize)
    return `a ${(m.largestTensorBytes / 2 ** 20).toFixed(0)} MiB tensor exceeds the adapter's binding limit (${(gpu.limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB)`;
  if (m.peakBytes > maxForwardBytes)
    return `the forward needs ${(m.peakBytes / 2 ** 30).toFixed(2)} GB of GPU memory`;
  return null;
}

/**
 * A fold's network on the engine: `weights` are the checkpoint's (loadNetworkWeights). The folds of a model
 * share one backend (device, buffer pool, pipelines): they run one after another, so their activations share
 * the pool.
 */
export function createEngineNetwork(
  be: WebGpuBackend,
  spec: NetworkSpec,
  weights: Map<string, Float32Array>,
): TileNetwork {
  const net = new UNet(be, { ...spec, deepSupervision: false });
  for (const p of net.params) {
    const w = weights.get(p.name);
    if (!w) throw new Error(`no weights for ${p.name}`);
    be.write(p.value, w);
  }
  let input: Tensor | null = null;
  const forward = (tile: Float32Array, shape: number[]): { out: Tensor; dims: number[] } => {
    // 2-D networks run as D = 1 on the engine; their logits keep the network's [1, K, y, x]
    const shape5 = shape.length === 4 ? [shape[0], shape[1], 1, shape[2], shape[3]] : shape;
    if (!input || input.size !== tile.length || input.shape.some((v, i) => v !== shape5[i])) {
      if (input) be.release(input);
      input = be.tensor(tile, shape5);
    } else be.write(input, tile); // queued after the previous forward that read it
    const [y] = net.forward({ be, tape: null }, { t: input, requiresGrad: false }, true);
    // submitted now: the accumulator records its own commands on the device's queue after these
    be.runner.flush();
    return { out: y.t, dims: [shape[0], spec.numClasses, ...shape.slice(2)] };
  };
  return {
    async run(tile, shape) {
      const { out } = forward(tile, shape);
      try {
        return await be.read(out);
      } finally {
        be.release(out);
      }
    },
    async runOnGpu(tile, shape) {
      const { out, dims } = forward(tile, shape);
      let released = false;
      return {
        gpuBuffer: be.bufferOf(out),
        dims,
        getData: () => be.read(out),
        dispose: () => {
          if (released) return;
          released = true;
          be.release(out);
        },
      };
    },
    async release() {
      if (input) be.release(input);
      input = null;
      net.dispose();
    },
  };
}
