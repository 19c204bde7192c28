import type { Param } from './parameters';
import { Rng } from './random';
import { numel } from './tensor';
import type { UNet } from './unet';

/**
 * nnU-Net's InitWeights_He(1e-2): kaiming_normal_(a = 0.01, fan_in) on every conv and transposed conv
 * weight (std = sqrt(2 / (1 + a²)) / sqrt(fan_in), where torch takes fan_in from weight.size(1), i.e.
 * output channels for a transposed conv), conv biases 0, norm weight 1 and bias 0 (torch defaults). For
 * ResidualEncoderUNet also init_last_bn_before_add_to_0: each block's conv2 norm weight and bias are 0.
 */
export function heInitValues(net: UNet, seed: number): Map<Param, Float32Array> {
  const rng = new Rng(seed);
  const gain = Math.sqrt(2 / (1 + 0.01 ** 2));
  const out = new Map<Param, Float32Array>();
  const resnet = net.spec.networkClass === 'ResidualEncoderUNet';
  for (const p of net.params) {
    const v = new Float32Array(numel(p.shape));
    if (p.role === 'conv-weight' || p.role === 'transp-weight') {
      const std = gain / Math.sqrt(p.fanIn);
      for (let i = 0; i < v.length; i++) v[i] = rng.normal() * std;
    } else if (p.role === 'norm-weight' && !(resnet && /\.blocks\.\d+\.conv2\.norm\.weight$/.test(p.name))) {
      v.fill(1);
    }
    out.set(p, v);
  }
  return out;
}

export function heInit(net: UNet, seed: number): void {
  for (const [p, v] of heInitValues(net, seed)) net.be.write(p.value, v);
}
