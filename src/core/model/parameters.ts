import type { ConvUnit, NetworkLayout } from './network-layout';
import { networkLayout } from './network-layout';
import type { NetworkSpec } from './network-spec';

/** One state-dict entry, in the order torch's `network.state_dict()` lists it. */
export interface ParameterEntry {
  key: string;
  shape: number[];
  /** Learnable (in `network.parameters()`); false for BatchNorm running statistics. */
  trainable: boolean;
  /**
   * The first key naming the same tensor, when this key is a duplicate path to it (`…all_modules.{k}…` for
   * `…conv…`/`…norm…`, and every `decoder.encoder.*` key); null for the canonical key. `network.parameters()`
   * (optimizer order, training_step manifests) is the canonical trainable keys in this order.
   */
  aliasOf: string | null;
}

type Emit = (key: string, shape: number[], trainable?: boolean, aliasOf?: string | null) => void;

function convUnitEntries(u: ConvUnit, emit: Emit, aliasRoot: (k: string) => string | null) {
  const convW = [u.outChannels, u.inChannels, ...u.kernel];
  const own: [string, number[], boolean][] = [[`conv.weight`, convW, true]];
  if (u.bias) own.push([`conv.bias`, [u.outChannels], true]);
  const norm: [string, number[], boolean][] = [];
  if (u.norm) {
    if (u.norm.affine) norm.push(['weight', [u.outChannels], true], ['bias', [u.outChannels], true]);
    if (u.norm.op === 'BatchNorm' && u.norm.trackRunningStats)
      norm.push(
        ['running_mean', [u.outChannels], false],
        ['running_var', [u.outChannels], false],
        ['num_batches_tracked', [], false],
      );
  }
  // Registration order of ConvDropoutNormReLU: conv, dropout, norm, nonlin, all_modules.
  for (const [k, shape, t] of own) emit(`${u.prefix}.${k}`, shape, t, aliasRoot(`${u.prefix}.${k}`));
  for (const [k, shape, t] of norm)
    emit(`${u.prefix}.norm.${k}`, shape, t, aliasRoot(`${u.prefix}.norm.${k}`));
  for (const [k, shape, t] of own) {
    const key = `${u.prefix}.all_modules.${u.allModulesConvIndex}.${k.slice('conv.'.length)}`;
    emit(key, shape, t, aliasRoot(`${u.prefix}.${k}`) ?? `${u.prefix}.${k}`);
  }
  for (const [k, shape, t] of norm) {
    const key = `${u.prefix}.all_modules.${u.allModulesNormIndex}.${k}`;
    emit(key, shape, t, aliasRoot(`${u.prefix}.norm.${k}`) ?? `${u.prefix}.norm.${k}`);
  }
}

function encoderEntries(layout: NetworkLayout, emit: Emit, aliasRoot: (k: string) => string | null) {
  if (layout.stem) convUnitEntries(layout.stem, emit, aliasRoot);
  for (const stage of layout.encoder) {
    for (const c of stage.convs) convUnitEntries(c, emit, aliasRoot);
    for (const b of stage.blocks) {
      // BasicBlockD registers conv1, conv2, nonlin2, then skip.
      convUnitEntries(b.conv1, emit, aliasRoot);
      convUnitEntries(b.conv2, emit, aliasRoot);
      if (b.skipConv) convUnitEntries(b.skipConv, emit, aliasRoot);
    }
  }
}

/** Every state-dict key of the network with its shape, in dynamic-network-architectures' order. */
export function parameterShapes(specOrLayout: NetworkSpec | NetworkLayout): ParameterEntry[] {
  const layout = 'encoder' in specOrLayout ? specOrLayout : networkLayout(specOrLayout);
  const out: ParameterEntry[] = [];
  const emit: Emit = (key, shape, trainable = true, aliasOf = null) =>
    out.push({ key, shape, trainable, aliasOf });
  // Model registers `encoder` then `decoder`; UNetDecoder registers its `encoder` reference first.
  encoderEntries(layout, emit, () => null);
  encoderEntries(
    layout,
    (key, shape, t, alias) => emit(`decoder.${key}`, shape, t, alias ?? key),
    (k) =>
      // inside decoder.encoder every key is an alias of the top-level encoder key
      k,
  );
  for (const d of layout.decoder) for (const c of d.convs) convUnitEntries(c, emit, () => null);
  for (const d of layout.decoder) {
    const t = d.transpconv;
    emit(`${t.prefix}.weight`, [t.inChannels, t.outChannels, ...t.stride]);
    if (t.bias) emit(`${t.prefix}.bias`, [t.outChannels]);
  }
  const ones = new Array(layout.spec.dim).fill(1);
  for (const d of layout.decoder) {
    const s = d.segLayer;
    emit(`${s.prefix}.weight`, [s.outChannels, s.inChannels, ...ones]);
    emit(`${s.prefix}.bias`, [s.outChannels]);
  }
  return out;
}

/** The learnable tensors once each, in `network.parameters()` order (the optimizer's order). */
export function uniqueParameters(specOrLayout: NetworkSpec | NetworkLayout): ParameterEntry[] {
  return parameterShapes(specOrLayout).filter((e) => e.aliasOf === null && e.trainable);
}

export const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** `sum(p.numel() for p in network.parameters())`. */
export function parameterCount(specOrLayout: NetworkSpec | NetworkLayout): number {
  return uniqueParameters(specOrLayout).reduce((n, e) => n + numel(e.shape), 0);
}
