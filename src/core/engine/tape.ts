import type { Backend } from './backend';
import type { Tensor } from './tensor';

/** A tensor flowing through the network, and whether a gradient must reach it. */
export interface Value {
  t: Tensor;
  requiresGrad: boolean;
}

/**
 * The layer-level tape: each layer that needs a backward pushes one closure, which owns the tensors it
 * saved. `backward` runs them in reverse. Gradients of values are kept by tensor id and summed when a
 * value feeds several layers (U-Net skips, residual blocks). There is no general autograd: the closures
 * are the hand-written backward kernels of the fixed layer set.
 */
export class Tape {
  private readonly nodes: Array<(run: boolean) => void> = [];
  private readonly grads = new Map<number, Tensor>();

  constructor(readonly be: Backend) {}

  /** backward(true) computes and frees what it saved; backward(false) only frees (discarded step). */
  push(backward: (run: boolean) => void): void {
    this.nodes.push(backward);
  }

  /** Adds g (ownership passes to the tape) to the gradient of v. */
  addGrad(v: Value, g: Tensor): void {
    if (!v.requiresGrad) {
      this.be.release(g);
      return;
    }
    const prev = this.grads.get(v.t.id);
    if (!prev) {
      this.grads.set(v.t.id, g);
      return;
    }
    // Out of place: either tensor may be shared (one dy handed to both branches of an add).
    this.grads.set(v.t.id, this.be.add(prev, g));
    this.be.release(prev);
    this.be.release(g);
  }

  /** The gradient of v, handed to the caller (null when nothing downstream produced one). */
  takeGrad(v: Value): Tensor | null {
    const g = this.grads.get(v.t.id) ?? null;
    if (g) this.grads.delete(v.t.id);
    return g;
  }

  get length(): number {
    return this.nodes.length;
  }

  backward(): void {
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      this.nodes[i](true);
    }
    this.nodes.length = 0;
    for (const g of this.grads.values()) this.be.release(g);
    this.grads.clear();
  }

  /** Drop everything without a backward (cancelled step). */
  discard(): void {
    for (const n of this.nodes) n(false);
    this.nodes.length = 0;
    for (const g of this.grads.values()) this.be.release(g);
    this.grads.clear();
  }
}
