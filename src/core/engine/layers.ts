/**
 * The layer set of nnU-Net's U-Nets as tape operations. Each function runs the forward on the backend
 * and, when a gradient must flow (an input requires it or the layer's parameters are trainable), pushes
 * the matching backward onto the tape, retaining only what that backward reads.
 */
import type { Backend } from './backend';
import type { Param } from './parameters';
import { ensureGradStorage } from './parameters';
import type { Tape, Value } from './tape';
import type { ConvGeometry, Tensor } from './tensor';

export interface Ctx {
  be: Backend;
  /** null: inference, nothing is recorded. */
  tape: Tape | null;
}

function trainable(ctx: Ctx, p: Param | null): boolean {
  return !!ctx.tape && !!p && p.trainable;
}

function markGrad(ctx: Ctx, p: Param | null): void {
  if (!p) return;
  ensureGradStorage(ctx.be, p);
  p.hasGrad = true;
}

/**
 * Records a layer with weight w and optional bias b (conv, transposed conv): the weight gradient needs the
 * layer's input, so it is retained only when the weights train; the input gradient needs dy and w only.
 */
function weightedLayer(
  ctx: Ctx,
  x: Value,
  w: Param,
  b: Param | null,
  y: Tensor,
  gradWeight: (x: Tensor, dy: Tensor, dw: Tensor, db: Tensor | null) => void,
  gradInput: (dy: Tensor) => Tensor,
): Value {
  const { be, tape } = ctx;
  // weight and bias of one layer are frozen or trained together
  const needW = trainable(ctx, w);
  const needX = !!tape && x.requiresGrad;
  const out: Value = { t: y, requiresGrad: needX || needW };
  if (tape && out.requiresGrad) {
    const saved = needW ? be.retain(x.t) : null;
    tape.push((run) => {
      const dy = run ? tape.takeGrad(out) : null;
      if (dy) {
        if (saved) {
          markGrad(ctx, w);
          markGrad(ctx, b);
          gradWeight(saved, dy, w.grad!, b ? b.grad : null);
        }
        if (needX) tape.addGrad(x, gradInput(dy));
        be.release(dy);
      }
      if (saved) be.release(saved);
    });
  }
  return out;
}

export function conv(ctx: Ctx, x: Value, w: Param, b: Param | null, g: ConvGeometry): Value {
  const { be } = ctx;
  const y = be.conv(x.t, w.value, b ? b.value : null, g);
  return weightedLayer(
    ctx,
    x,
    w,
    b,
    y,
    (xt, dy, dw, db) => be.convGradWeight(xt, dy, g, dw, db),
    (dy) => be.convGradInput(dy, w.value, x.t.shape, g),
  );
}

export function convTranspose(ctx: Ctx, x: Value, w: Param, b: Param | null, stride: number[]): Value {
  const { be } = ctx;
  const y = be.convTranspose(x.t, w.value, b ? b.value : null, stride);
  return weightedLayer(
    ctx,
    x,
    w,
    b,
    y,
    (xt, dy, dw, db) => be.convTransposeGradWeight(xt, dy, stride, dw, db),
    (dy) => be.convTransposeGradInput(dy, w.value, stride),
  );
}

/** InstanceNorm (affine) then LeakyReLU with `slope` (0: ReLU, 1: no nonlinearity). */
export function normAct(ctx: Ctx, x: Value, gamma: Param, beta: Param, eps: number, slope: number): Value {
  const { be, tape } = ctx;
  const { y, stats } = be.normAct(x.t, gamma.value, beta.value, eps, slope);
  const needP = trainable(ctx, gamma);
  const needX = !!tape && x.requiresGrad;
  const out: Value = { t: y, requiresGrad: needX || needP };
  if (tape && out.requiresGrad) {
    const sx = be.retain(x.t);
    const sy = be.retain(y);
    tape.push((run) => {
      const dy = run ? tape.takeGrad(out) : null;
      if (dy) {
        if (needP) {
          markGrad(ctx, gamma);
          markGrad(ctx, beta);
        }
        const dx = be.normActGrad(
          dy,
          sx,
          sy,
          gamma.value,
          stats,
          slope,
          needP ? gamma.grad : null,
          needP ? beta.grad : null,
          needX,
        );
        if (dx) tape.addGrad(x, dx);
        be.release(dy);
      }
      be.release(sx);
      be.release(sy);
      be.release(stats);
    });
  } else {
    be.release(stats);
  }
  return out;
}

export function leakyRelu(ctx: Ctx, x: Value, slope: number): Value {
  const { be, tape } = ctx;
  const y = be.leakyRelu(x.t, slope);
  const out: Value = { t: y, requiresGrad: !!tape && x.requiresGrad };
  if (tape && out.requiresGrad) {
    const sy = be.retain(y);
    tape.push((run) => {
      const dy = run ? tape.takeGrad(out) : null;
      if (dy) {
        tape.addGrad(x, be.leakyReluGrad(dy, sy, slope));
        be.release(dy);
      }
      be.release(sy);
    });
  }
  return out;
}

export function add(ctx: Ctx, a: Value, b: Value): Value {
  const { be, tape } = ctx;
  const out: Value = { t: be.add(a.t, b.t), requiresGrad: !!tape && (a.requiresGrad || b.requiresGrad) };
  if (tape && out.requiresGrad) {
    tape.push((run) => {
      const dy = run ? tape.takeGrad(out) : null;
      if (!dy) return;
      if (a.requiresGrad) tape.addGrad(a, be.retain(dy));
      if (b.requiresGrad) tape.addGrad(b, be.retain(dy));
      be.release(dy);
    });
  }
  return out;
}

/** torch.cat((a, b), 1). */
export function concat(ctx: Ctx, a: Value, b: Value): Value {
  const { be, tape } = ctx;
  const ca = a.t.shape[1];
  const cb = b.t.shape[1];
  const out: Value = {
    t: be.concatChannels(a.t, b.t),
    requiresGrad: !!tape && (a.requiresGrad || b.requiresGrad),
  };
  if (tape && out.requiresGrad) {
    tape.push((run) => {
      const dy = run ? tape.takeGrad(out) : null;
      if (!dy) return;
      if (a.requiresGrad) tape.addGrad(a, be.sliceChannels(dy, 0, ca));
      if (b.requiresGrad) tape.addGrad(b, be.sliceChannels(dy, ca, cb));
      be.release(dy);
    });
  }
  return out;
}

export function avgPool(ctx: Ctx, x: Value, k: number[]): Value {
  const { be, tape } = ctx;
  const out: Value = { t: be.avgPool(x.t, k), requiresGrad: !!tape && x.requiresGrad };
  if (tape && out.requiresGrad) {
    const xs = x.t.shape;
    tape.push((run) => {
      const dy = run ? tape.takeGrad(out) : null;
      if (!dy) return;
      tape.addGrad(x, be.avgPoolGrad(dy, k, xs));
      be.release(dy);
    });
  }
  return out;
}

export function release(ctx: Ctx, v: Value): void {
  ctx.be.release(v.t);
}
