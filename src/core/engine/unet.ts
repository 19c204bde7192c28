/**
 * dynamic-network-architectures' PlainConvUNet and ResidualEncoderUNet (BasicBlockD) on the engine:
 * the same modules, the same forward, and the same state-dict keys in the same order (shared modules
 * appear under every name torch gives them: `all_modules.N`, `decoder.encoder.*`).
 */
import type { Backend } from './backend';
import * as L from './layers';
import type { Param, ParamRole } from './parameters';
import { ParamBuilder } from './parameters';
import type { Value } from './tape';
import type { ConvGeometry } from './tensor';
import { to3 } from './tensor';
import type { UNetConfig } from './unet-config';
import { validateUNetConfig } from './unet-config';

/** ConvDropoutNormReLU: conv → InstanceNorm → LeakyReLU (act false: no nonlinearity). */
interface ConvBlock {
  prefix: string;
  w: Param;
  b: Param | null;
  gamma: Param;
  beta: Param;
  geom: ConvGeometry;
  act: boolean;
}

/** BasicBlockD: conv1 (act) → conv2 (no act) + skip (avg-pool and/or 1×1 conv+norm) → LeakyReLU. */
interface ResBlock {
  conv1: ConvBlock;
  conv2: ConvBlock;
  pool: number[] | null;
  proj: ConvBlock | null;
  /** Index of the projection inside the skip Sequential (1 after an avg-pool). */
  projIndex: number;
  prefix: string;
}

interface DecoderStage {
  transp: { w: Param; b: Param | null; stride: number[]; prefix: string };
  convs: ConvBlock[];
  seg: { w: Param; b: Param; prefix: string };
}

export interface StateDictEntry {
  key: string;
  param: Param;
}

export class UNet {
  readonly params: Param[];
  private readonly stem: ConvBlock | null = null;
  /** PlainConvUNet: conv blocks per stage; ResidualEncoderUNet: residual blocks per stage. */
  private readonly plainStages: ConvBlock[][] = [];
  private readonly resStages: ResBlock[][] = [];
  private readonly decoder: DecoderStage[] = [];

  constructor(
    readonly be: Backend,
    readonly config: UNetConfig,
  ) {
    validateUNetConfig(config);
    const c = config;
    const pb = new ParamBuilder(be);
    const kernel = (s: number) => to3(c.kernels[s]);
    const stride = (s: number) => to3(c.strides[s]);
    const block = (
      prefix: string,
      ci: number,
      co: number,
      k: [number, number, number],
      st: [number, number, number],
      bias: boolean,
      act: boolean,
      part: Param['part'],
    ): ConvBlock => {
      const torchK = c.dims === 3 ? k : k.slice(1);
      const fan = ci * k[0] * k[1] * k[2];
      const w = pb.add(
        `${prefix}.conv.weight`,
        [co, ci, ...torchK],
        [co, ci, ...k],
        'conv-weight',
        fan,
        part,
      );
      const b = bias ? pb.add(`${prefix}.conv.bias`, [co], [co], 'conv-bias', fan, part) : null;
      const gamma = pb.add(`${prefix}.norm.weight`, [co], [co], 'norm-weight', 0, part);
      const beta = pb.add(`${prefix}.norm.bias`, [co], [co], 'norm-bias', 0, part);
      const pad: [number, number, number] = [(k[0] - 1) >> 1, (k[1] - 1) >> 1, (k[2] - 1) >> 1];
      return { prefix, w, b, gamma, beta, geom: { kernel: k, stride: st, pad }, act };
    };
    const one: [number, number, number] = [1, 1, 1];

    let ch = c.inputChannels;
    if (c.network === 'PlainConvUNet') {
      for (let s = 0; s < c.features.length; s++) {
        const convs: ConvBlock[] = [];
        for (let i = 0; i < c.nConvPerStage[s]; i++) {
          convs.push(
            block(
              `encoder.stages.${s}.0.convs.${i}`,
              ch,
              c.features[s],
              kernel(s),
              i === 0 ? stride(s) : one,
              c.convBias,
              true,
              'encoder',
            ),
          );
          ch = c.features[s];
        }
        this.plainStages.push(convs);
      }
    } else {
      this.stem = block(
        'encoder.stem.convs.0',
        ch,
        c.features[0],
        kernel(0),
        one,
        c.convBias,
        true,
        'encoder',
      );
      ch = c.features[0];
      for (let s = 0; s < c.features.length; s++) {
        const blocks: ResBlock[] = [];
        for (let i = 0; i < c.nConvPerStage[s]; i++) {
          const prefix = `encoder.stages.${s}.blocks.${i}`;
          const st = i === 0 ? stride(s) : one;
          const co = c.features[s];
          const conv1 = block(`${prefix}.conv1`, ch, co, kernel(s), st, c.convBias, true, 'encoder');
          const conv2 = block(`${prefix}.conv2`, co, co, kernel(s), one, c.convBias, false, 'encoder');
          const hasStride = st.some((v) => v !== 1);
          const pool = hasStride ? [...st] : null;
          const projIndex = hasStride ? 1 : 0;
          const proj =
            ch !== co
              ? block(`${prefix}.skip.${projIndex}`, ch, co, one, one, false, false, 'encoder')
              : null;
          blocks.push({ conv1, conv2, pool, proj, projIndex, prefix });
          ch = co;
        }
        this.resStages.push(blocks);
      }
    }

    const n = c.features.length;
    for (let s = 1; s < n; s++) {
      const below = c.features[n - s];
      const skip = c.features[n - s - 1];
      const st = to3(c.strides[n - s]);
      const torchSt = c.dims === 3 ? st : st.slice(1);
      const tp = `decoder.transpconvs.${s - 1}`;
      const taps = st[0] * st[1] * st[2];
      const tw = pb.add(
        `${tp}.weight`,
        [below, skip, ...torchSt],
        [below, skip, ...st],
        'transp-weight',
        skip * taps,
        'decoder',
      );
      const tb = c.convBias
        ? pb.add(`${tp}.bias`, [skip], [skip], 'transp-bias', skip * taps, 'decoder')
        : null;
      const convs: ConvBlock[] = [];
      let cin = 2 * skip;
      for (let i = 0; i < c.nConvPerStageDecoder[s - 1]; i++) {
        convs.push(
          block(
            `decoder.stages.${s - 1}.convs.${i}`,
            cin,
            skip,
            kernel(n - s - 1),
            one,
            c.convBias,
            true,
            'decoder',
          ),
        );
        cin = skip;
      }
      this.decoder.push({ transp: { w: tw, b: tb, stride: [...st], prefix: tp }, convs, seg: null as never });
    }
    // seg layers are registered after all stages and transpconvs (separate ModuleList)
    for (let s = 1; s < n; s++) {
      const skip = c.features[n - s - 1];
      const sp = `decoder.seg_layers.${s - 1}`;
      const k1 = c.dims === 3 ? [1, 1, 1] : [1, 1];
      const w = pb.add(
        `${sp}.weight`,
        [c.numClasses, skip, ...k1],
        [c.numClasses, skip, 1, 1, 1],
        'conv-weight',
        skip,
        'decoder',
      );
      const b = pb.add(`${sp}.bias`, [c.numClasses], [c.numClasses], 'conv-bias', skip, 'decoder');
      this.decoder[s - 1].seg = { w, b, prefix: sp };
    }
    // named_parameters() order: encoder, then decoder stages, transpconvs, seg_layers
    const order = (p: Param) =>
      p.name.startsWith('encoder.')
        ? 0
        : p.name.startsWith('decoder.stages.')
          ? 1
          : p.name.startsWith('decoder.transpconvs.')
            ? 2
            : 3;
    this.params = pb.params
      .map((p, i) => ({ p, i }))
      .sort((a, b) => order(a.p) - order(b.p) || a.i - b.i)
      .map((e) => e.p);
  }

  /** Every state-dict key with its parameter, in torch's state_dict() order. */
  stateDict(): StateDictEntry[] {
    const out: StateDictEntry[] = [];
    const push = (key: string, param: Param | null) => {
      if (param) out.push({ key, param });
    };
    const convBlock = (b: ConvBlock, prefix = b.prefix) => {
      push(`${prefix}.conv.weight`, b.w);
      push(`${prefix}.conv.bias`, b.b);
      push(`${prefix}.norm.weight`, b.gamma);
      push(`${prefix}.norm.bias`, b.beta);
      push(`${prefix}.all_modules.0.weight`, b.w);
      push(`${prefix}.all_modules.0.bias`, b.b);
      push(`${prefix}.all_modules.1.weight`, b.gamma);
      push(`${prefix}.all_modules.1.bias`, b.beta);
    };
    const encoder = (pre: string) => {
      const re = (p: string) => pre + p.slice('encoder.'.length);
      if (this.stem) convBlock(this.stem, re(this.stem.prefix));
      for (const st of this.plainStages) for (const b of st) convBlock(b, re(b.prefix));
      for (const st of this.resStages)
        for (const r of st) {
          convBlock(r.conv1, re(r.conv1.prefix));
          convBlock(r.conv2, re(r.conv2.prefix));
          if (r.proj) convBlock(r.proj, re(r.proj.prefix));
        }
    };
    encoder('encoder.');
    encoder('decoder.encoder.');
    for (const d of this.decoder) for (const b of d.convs) convBlock(b);
    for (const d of this.decoder) {
      push(`${d.transp.prefix}.weight`, d.transp.w);
      push(`${d.transp.prefix}.bias`, d.transp.b);
    }
    for (const d of this.decoder) {
      push(`${d.seg.prefix}.weight`, d.seg.w);
      push(`${d.seg.prefix}.bias`, d.seg.b);
    }
    return out;
  }

  /** Freeze or unfreeze the encoder (the decoder always trains). */
  setEncoderTrainable(trainable: boolean): void {
    for (const p of this.params) if (p.part === 'encoder') p.trainable = trainable;
  }

  /**
   * The network's forward. Returns the outputs in nnU-Net's order (index 0 = full resolution): all
   * decoder outputs with deep supervision, else only the last. Does not release x.
   */
  forward(ctx: L.Ctx, x: Value): Value[] {
    const skips: Value[] = [];
    let h: Value = x;
    let owned = false;
    const step = (next: Value) => {
      if (owned) L.release(ctx, h);
      h = next;
      owned = true;
    };
    if (this.stem) step(this.convBlock(ctx, h, this.stem));
    for (const stage of this.plainStages) {
      for (const b of stage) step(this.convBlock(ctx, h, b));
      skips.push(h);
      owned = false; // the skip list owns it now
    }
    for (const stage of this.resStages) {
      for (const r of stage) step(this.resBlock(ctx, h, r));
      skips.push(h);
      owned = false;
    }
    const outputs: Value[] = [];
    let lres = skips[skips.length - 1];
    for (let s = 0; s < this.decoder.length; s++) {
      const d = this.decoder[s];
      const up = L.convTranspose(ctx, lres, d.transp.w, d.transp.b, d.transp.stride);
      L.release(ctx, lres);
      const skip = skips[skips.length - 2 - s];
      let y = L.concat(ctx, up, skip);
      L.release(ctx, up);
      L.release(ctx, skip);
      for (const b of d.convs) {
        const next = this.convBlock(ctx, y, b);
        L.release(ctx, y);
        y = next;
      }
      if (this.config.deepSupervision || s === this.decoder.length - 1) {
        const seg = L.conv(ctx, y, d.seg.w, d.seg.b, {
          kernel: [1, 1, 1],
          stride: [1, 1, 1],
          pad: [0, 0, 0],
        });
        outputs.push(seg);
      }
      lres = y;
    }
    L.release(ctx, lres);
    return outputs.reverse();
  }

  private convBlock(ctx: L.Ctx, x: Value, b: ConvBlock): Value {
    const z = L.conv(ctx, x, b.w, b.b, b.geom);
    const y = L.normAct(ctx, z, b.gamma, b.beta, b.act);
    L.release(ctx, z);
    return y;
  }

  private resBlock(ctx: L.Ctx, x: Value, r: ResBlock): Value {
    let res: Value = x;
    let ownRes = false;
    if (r.pool) {
      res = L.avgPool(ctx, x, r.pool);
      ownRes = true;
    }
    if (r.proj) {
      const p = this.convBlock(ctx, res, r.proj);
      if (ownRes) L.release(ctx, res);
      res = p;
      ownRes = true;
    }
    const a = this.convBlock(ctx, x, r.conv1);
    const b = this.convBlock(ctx, a, r.conv2);
    L.release(ctx, a);
    const sum = L.add(ctx, b, res);
    L.release(ctx, b);
    if (ownRes) L.release(ctx, res);
    const y = L.leakyRelu(ctx, sum);
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

export type { ParamRole };
