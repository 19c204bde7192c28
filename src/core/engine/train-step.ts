import type { Backend } from './backend';
import type { Ctx } from './layers';
import { Tape } from './tape';
import type { Tensor } from './tensor';
import type { UNet } from './unet';

export interface LossSettings {
  batchDice: boolean;
  smooth: number;
  /** One weight per network output (nnU-Net's deep-supervision weights, or [1]). 0 = not computed. */
  weights: number[];
}

export interface StepLoss {
  loss: number;
  ce: number;
  dice: number;
}

/**
 * Forward, loss and backward of one batch; the parameters' .grad tensors hold the result afterwards
 * (hasGrad says which received one). labels[i] matches output i: [n, 1, d, h, w] class indices.
 * Returns the loss tensor [loss, ce, dice] still on the device, and (keepOutputs) the logits, which the
 * caller must release.
 */
export function forwardBackward(
  net: UNet,
  input: Tensor,
  labels: readonly Tensor[],
  loss: LossSettings,
  keepOutputs = false,
): { lossAcc: Tensor; outputs: Tensor[] } {
  const be: Backend = net.be;
  for (const p of net.params) p.hasGrad = false;
  const tape = new Tape(be);
  const ctx: Ctx = { be, tape };
  const lossAcc = be.zeros([3]);
  const kept: Tensor[] = [];
  try {
    const outs = net.forward(ctx, { t: input, requiresGrad: false });
    if (outs.length !== loss.weights.length)
      throw new Error(`network has ${outs.length} outputs but ${loss.weights.length} loss weights`);
    outs.forEach((o, i) => {
      const w = loss.weights[i];
      if (w !== 0) {
        const g = be.segLoss(
          o.t,
          labels[i],
          { batchDice: loss.batchDice, smooth: loss.smooth, weight: w },
          lossAcc,
        );
        tape.addGrad(o, g);
      }
      if (keepOutputs) kept.push(o.t);
      else be.release(o.t);
    });
    tape.backward();
  } catch (e) {
    tape.discard();
    be.release(lossAcc);
    for (const k of kept) be.release(k);
    throw e;
  }
  return { lossAcc, outputs: kept };
}

export async function readLoss(be: Backend, lossAcc: Tensor): Promise<StepLoss> {
  const v = await be.read(lossAcc);
  be.release(lossAcc);
  return { loss: v[0], ce: v[1], dice: v[2] };
}
