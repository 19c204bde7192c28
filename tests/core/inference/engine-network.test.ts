import { describe, expect, it } from 'vitest';
import { engineInferenceRefusal } from '../../../src/core/inference/engine-network';
import { runWebgpuScript, webgpuNodeUnavailable } from '../../helpers/webgpu-node';
import { tinySpec } from '../training/synthetic';

const limits = (binding: number) => ({
  limits: {
    maxBufferSize: binding,
    maxStorageBufferBindingSize: binding,
    maxComputeWorkgroupStorageSize: 16384,
  },
});

describe("nnU-Net inference on Tessera's WGSL kernels", () => {
  it('is refused, with the reason, where the model or the device does not allow it', () => {
    const spec = tinySpec({ patchSize: [16, 16, 16] });
    expect(engineInferenceRefusal(limits(2 ** 30), spec, spec.patchSize, 2 ** 30)).toBeNull();
    // the logits of a 3-class 16³ tile are 48 KiB: a 32 KiB binding cannot hold them
    expect(engineInferenceRefusal(limits(32 << 10), spec, spec.patchSize, 2 ** 30)).toMatch(
      /exceeds the adapter's binding limit/,
    );
    expect(engineInferenceRefusal(limits(2 ** 30), spec, spec.patchSize, 64 << 10)).toMatch(
      /GB of GPU memory/,
    );
    const batchNorm = tinySpec({
      patchSize: [16, 16, 16],
      norm: { op: 'BatchNorm', eps: 1e-5, affine: true, trackRunningStats: true },
    });
    expect(engineInferenceRefusal(limits(2 ** 30), batchNorm, spec.patchSize, 2 ** 30)).toMatch(
      /InstanceNorm/,
    );
  });

  it.skipIf(webgpuNodeUnavailable !== null)(
    'predicts as onnxruntime (wasm) does: 3-D folds, a 2-D network, the GPU tile accumulator',
    () => {
      const r = runWebgpuScript<{
        results: { name: string; kernels: string; values: number; maxDiff: number; agreement: number }[];
      }>('tests/core/inference/engine-network-child.ts');
      expect(r.results).toHaveLength(2);
      for (const x of r.results) {
        expect(x.kernels, x.name).toBe('tessera');
        expect(x.values, x.name).toBeGreaterThan(0);
        // float32 reassociation in the convolutions, carried through nnU-Net's float16 accumulation
        expect(x.maxDiff, x.name).toBeLessThan(1e-3);
        expect(x.agreement, x.name).toBeGreaterThanOrEqual(0.9999);
      }
    },
    300_000,
  );
});
