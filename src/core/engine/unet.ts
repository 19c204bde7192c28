/**
 * dynamic-network-architectures' PlainConvUNet and ResidualEncoderUNet (BasicBlockD) on the engine, built
 * from the shared module layout (model/network-layout.ts) so the forward, the parameter order and the
 * state-dict keys (with torch's aliases: `all_modules.N`, `decoder.encoder.*`) are those of the models
 * code, which the checkpoint reader and the ONNX emitter use too.
 */
import { TesseraError } from '../errors';
import type { ConvUnit, NetworkLayout, NetworkSpec } from '../model/architecture';
import { networkLayout, parameterShapes, uniqueParameters } from '../model/architecture';
import type { Backend } from './backend';
import * as L from './layers';
import type { Param, ParamRole } from './parameters';
import { ParamBuilder } from './parameters';
import type { Value } from './tape';
import type { ConvGeometry } from './tensor';
import { to3 } from './tensor';

export interface StateDictEntry {
  key: string;
  param: Param;
}

/** Why the engine cannot run `spec` (the parts of a NetworkSpec it has no kernels for), or null when it can. */
export function engineUnsupported(spec: NetworkSpec): string | null {
  if (spec.norm?.op !== 'InstanceNorm' || !spec.norm.affine) return 'only affine InstanceNorm is supported';
  if (spec.dropout) return 'dropout is not supported';
  if (spec.nonlinFirst) return 'nonlin_first is not supported';
  if (!spec.nonlin) return 'a nonlinearity is required';
  for (const k of spec.kernelSizes)
    if (k.some((v) => v % 2 !== 1)) return `even kernel sizes are not supported (${JSON.stringify(k)})`;
  return null;
}

/** What the engine trains (and runs): refuses the parts of a NetworkSpec it has no kernels for. */
export function assertTrainable(spec: NetworkSpec, where = 'network'): void {
  const why = engineUnsupported(spec);
  if (why) throw new TesseraError('bad-model', where, `cannot be trained by the engine: ${why}`);
}

function roleOf(key: string): ParamRole {
  if (/\.transpconvs\.\d+\.weight$/.test(key)) return 'transp-weight';
  if (/\.transpconvs\.\d+\.bias$/.test(key)) return 'transp-bias';
  if (/\.norm\.weight$/.test(key)) return 'norm-weight';
  if (/\.norm\.bias$/.test(key)) return 'norm-bias';
  if (/\.bias$/.test(key)) return 'conv-bias';
  return 'conv-weight';
}

/** Engine shape (5-D NCDHW kernels) for a torch parameter shape. */
function engineShape(shape: number[]): number[] {
  if (shape.length === 4) return [shape[0], shape[1], 1, shape[2], shape[3]];
  return shape;
}

export class UNet {
  readonly params: Param[];
  readonly layout: NetworkLayout;
  private readonly byKey = new Map<string, Param>();

  constructor(
    readonly be: Backend,
    readonly spec: NetworkSpec,
  ) {
    assertTrainable(spec);
    this.layout = networkLayout(spec);
    const pb = new ParamBuilder(be);
    for (const e of uniqueParameters(spec)) {
      const fanIn = e.shape.length > 1 ? e.shape.slice(1).reduce((a, b) => a * b, 1) : 0;
      const part = e.key.startsWith('encoder.') ? 'encoder' : 'decoder';
      this.byKey.set(e.key, pb.add(e.key, e.shape, engineShape(e.shape), roleOf(e.key), fanIn, part));
    }
    this.params = pb.params;
  }

  get config() {
    return this.spec;
  }

  param(key: string): Param {
    const p = this.byKey.get(key);
    if (!p) throw new Error(`no parameter ${key}`);
    return p;
  }

  /** Every state-dict key with its parameter, in torch's state_dict() order. */
  stateDict(): StateDictEntry[] {
    return parameterShapes(this.spec)
      .filter((e) => e.trainable)
      .map((e) => ({ key: e.key, param: this.param(e.aliasOf ?? e.key) }));
  }

  /** Freeze or unfreeze the encoder (the decoder always trains). */
  setEncoderTrainable(trainable: boolean): void {
    for (const p of this.params) if (p.part === 'encoder') p.trainable = trainable;
  }

  /**
   * The network's forward. Returns the outputs in nnU-Net's order (index 0 = full resolution): all
   * decoder outputs with deep supervision (unless `finalOnly`, as at inference), else only the last.
   * Does not release x.
   */
  forward(ctx: L.Ctx, x: Value, finalOnly = false): Value[] {
    const lay = this.layout;
    const skips: Value[] = [];
    let h: Value = x;
    let owned = false;
    const step = (next: Value) => {
      if (owned) L.release(ctx, h);
      h = next;
      owned = true;
    };
    if (lay.stem) step(this.convUnit(ctx, h, lay.stem));
    for (const stage of lay.encoder) {
      for (const u of stage.convs) step(this.convUnit(ctx, h, u));
      for (const b of stage.blocks) step(this.resBlock(ctx, h, b));
      skips.push(h);
      owned = false; // the skip list owns it now
    }
    const outputs: Value[] = [];
    let lres = skips[skips.length - 1];
    lay.decoder.forEach((d, s) => {
      const t = d.transpconv;
      const up = L.convTranspose(
        ctx,
        lres,
        this.param(`${t.prefix}.weight`),
        t.bias ? this.param(`${t.prefix}.bias`) : null,
        to3(t.stride),
      );
      L.release(ctx, lres);
      const skip = skips[skips.length - 2 - s];
      let y = L.concat(ctx, up, skip);
      L.release(ctx, up);
      L.release(ctx, skip);
      for (const u of d.convs) {
        const next = this.convUnit(ctx, y, u);
        L.release(ctx, y);
        y = next;
      }
      if ((this.spec.deepSupervision && !finalOnly) || s === lay.decoder.length - 1) {
        const g: ConvGeometry = { kernel: [1, 1, 1], stride: [1, 1, 1], pad: [0, 0, 0] };
        const p = d.segLayer.prefix;
        outputs.push(L.conv(ctx, y, this.param(`${p}.weight`), this.param(`${p}.bias`), g));
      }
      lres = y;
    });
    L.release(ctx, lres);
    return outputs.reverse();
  }

  /** ConvDropoutNormReLU without dropout: conv → InstanceNorm → nonlin (when the unit has one). */
  private convUnit(ctx: L.Ctx, x: Value, u: ConvUnit): Value {
    const g: ConvGeometry = { kernel: to3(u.kernel), stride: to3(u.stride), pad: to3(u.padding, 0) };
    const z = L.conv(
      ctx,
      x,
      this.param(`${u.prefix}.conv.weight`),
      u.bias ? this.param(`${u.prefix}.conv.bias`) : null,
      g,
    );
    const slope = u.nonlin ? u.nonlin.negativeSlope : 1;
    const y = L.normAct(
      ctx,
      z,
      this.param(`${u.prefix}.norm.weight`),
      this.param(`${u.prefix}.norm.bias`),
      u.norm!.eps,
      slope,
    );
    L.release(ctx, z);
    return y;
  }

  private resBlock(ctx: L.Ctx, x: Value, r: NetworkLayout['encoder'][number]['blocks'][number]): Value {
    let res: Value = x;
    let ownRes = false;
    if (r.skipPool) {
      res = L.avgPool(ctx, x, to3(r.skipPool));
      ownRes = true;
    }
    if (r.skipConv) {
      const p = this.convUnit(ctx, res, r.skipConv);
      if (ownRes) L.release(ctx, res);
      res = p;
      ownRes = true;
    }
    const a = this.convUnit(ctx, x, r.conv1);
    const b = this.convUnit(ctx, a, r.conv2);
    L.release(ctx, a);
    const sum = L.add(ctx, b, res);
    L.release(ctx, b);
    if (ownRes) L.release(ctx, res);
    if (!r.nonlin) return sum;
    const y = L.leakyRelu(ctx, sum, r.nonlin.negativeSlope);
    L.release(ctx, sum);
    return y;
  }

  dispose(): void {
    for (const p of this.params) {
      this.be.release(p.value);
      if (p.grad) this.be.release(p.grad);
      if (p.momentum) this.be.release(p.momentum);
    }
  }
}
