import { TesseraError } from '../errors';
import type { Volume } from '../io/volume/volume';
import { frame, zyxShape } from '../io/volume/volume';
import type { ModelCard } from '../model/bundle/model-card';
import type { Progress } from '../parallel/job';
import { throwIfCancelled } from '../parallel/job';
import { conformedGrid, type Grid, reslice } from '../preprocessing/conform';
import { type NetworkFn, predictSlidingWindow } from './predict-sliding-window';

export interface CardPrediction {
  /** labels on the source grid, file order (= (z, y, x) C order) */
  labels: Uint8Array | Uint16Array;
  timings: { preprocessMs: number; networkMs: number; exportMs: number };
  tiles: number;
}

/**
 * Run a plain ONNX model as its model card describes (see model/bundle/model-card.ts): optionally conform
 * the scan to the model's fixed grid, normalise, run whole or by sliding window, decide labels (argmax,
 * first maximum wins, or sigmoid > 0.5), and bring the labels back to the scan's grid.
 */
export async function predictWithCard(
  volume: Volume,
  card: ModelCard,
  network: NetworkFn,
  options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {},
): Promise<CardPrediction> {
  const t0 = performance.now();
  const C = card.input.channels;
  const frames = volume.shape.length > 3 ? volume.shape.slice(3).reduce((a, b) => a * b, 1) : 1;
  if (frames < C)
    throw new TesseraError(
      'bad-argument',
      volume.name,
      `has ${frames} channel(s); the model "${card.name}" needs ${C}`,
    );
  const source: Grid = { shape: [volume.shape[0], volume.shape[1], volume.shape[2]], affine: volume.affine };
  const conform = card.input.conform;
  const grid = conform
    ? conformedGrid(source, conform.shape[0], conform.spacing[0], conform.orientation)
    : source;
  if (
    conform &&
    (conform.shape[0] !== conform.shape[1] ||
      conform.shape[1] !== conform.shape[2] ||
      new Set(conform.spacing).size !== 1)
  ) {
    throw new TesseraError('bad-model', card.name, 'conform supports cubic grids with isotropic voxels only');
  }
  options.onProgress?.({ stage: conform ? 'conforming' : 'normalizing', done: 0, total: 1 });
  const channels: Float32Array[] = [];
  for (let c = 0; c < C; c++) {
    const raw = frame(volume, c);
    const ch = conform ? (reslice(raw, source, grid, 'linear') as Float32Array) : Float32Array.from(raw);
    normalize(ch, card.preprocessing);
    channels.push(ch);
  }
  const zyx = zyxShape({ shape: grid.shape });
  let spatial: number[] = zyx;
  if (card.input.axis_order === 'xyz') {
    spatial = [...grid.shape];
    for (let c = 0; c < C; c++) channels[c] = transpose3(channels[c], grid.shape);
  }
  if (card.input.shape && card.inference.mode === 'whole' && card.input.shape.join() !== spatial.join()) {
    throw new TesseraError(
      'bad-model',
      card.name,
      `expects input ${card.input.shape.join('×')} but the scan gives ${spatial.join('×')}; add a "conform" to the card`,
    );
  }
  throwIfCancelled(options.signal);
  const t1 = performance.now();
  const K = card.labels.length;
  let logits: Float32Array;
  let tiles = 1;
  if (card.inference.mode === 'whole') {
    options.onProgress?.({ stage: 'network', done: 0, total: 1 });
    const input = new Float32Array(C * spatial.reduce((a, b) => a * b, 1));
    for (const [c, ch] of channels.entries()) input.set(ch, c * ch.length);
    logits = await network(input, [1, C, ...spatial]);
    options.onProgress?.({ stage: 'network', done: 1, total: 1 });
  } else {
    const inf = card.inference;
    logits = await predictSlidingWindow(channels, [C, ...spatial], [network], {
      patchSize: inf.patch_size,
      numClasses: K,
      tileStepSize: inf.step_size,
      useGaussian: inf.gaussian,
      signal: options.signal,
      onProgress: (done, total) => {
        tiles = total;
        options.onProgress?.({ stage: 'network', done, total });
      },
    });
  }
  const t2 = performance.now();
  const n = spatial.reduce((a, b) => a * b, 1);
  if (logits.length !== K * n) {
    throw new TesseraError(
      'bad-model',
      card.name,
      `returned ${logits.length / n} channels; its card lists ${K} labels`,
    );
  }
  const values = card.labels.map((l) => l.value);
  const maxValue = Math.max(...values);
  let labels: Uint8Array | Uint16Array = maxValue > 255 ? new Uint16Array(n) : new Uint8Array(n);
  if (card.output.decision === 'argmax') {
    for (let v = 0; v < n; v++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (logits[k * n + v] > logits[best * n + v]) best = k;
      labels[v] = values[best];
    }
  } else {
    // threshold: each channel's sigmoid > 0.5 (logit > 0), later channels painted over earlier ones
    const isLogit = card.output.kind === 'logits' && card.output.activation !== 'none';
    for (let k = 0; k < K; k++)
      for (let v = 0; v < n; v++)
        if (isLogit ? logits[k * n + v] > 0 : logits[k * n + v] > 0.5) labels[v] = values[k];
  }
  if (card.input.axis_order === 'xyz')
    labels = transpose3(labels, [spatial[2], spatial[1], spatial[0]]) as typeof labels;
  if (conform) labels = reslice(labels, grid, source, 'nearest') as typeof labels;
  const t3 = performance.now();
  return { labels, tiles, timings: { preprocessMs: t1 - t0, networkMs: t2 - t1, exportMs: t3 - t2 } };
}

function normalize(ch: Float32Array, p: ModelCard['preprocessing']): void {
  switch (p.kind) {
    case 'minmax': {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const v of ch) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const scale = hi > lo ? (p.range[1] - p.range[0]) / (hi - lo) : 0;
      for (let i = 0; i < ch.length; i++) ch[i] = p.range[0] + (ch[i] - lo) * scale;
      return;
    }
    case 'zscore': {
      let sum = 0;
      let sq = 0;
      let n = 0;
      for (const v of ch) {
        if (p.nonzero_mask && v === 0) continue;
        sum += v;
        sq += v * v;
        n++;
      }
      const mean = n ? sum / n : 0;
      const std = n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 1;
      for (let i = 0; i < ch.length; i++)
        if (!(p.nonzero_mask && ch[i] === 0)) ch[i] = (ch[i] - mean) / Math.max(std, 1e-8);
      return;
    }
    case 'ct':
      for (let i = 0; i < ch.length; i++)
        ch[i] = (Math.min(Math.max(ch[i], p.lower), p.upper) - p.mean) / Math.max(p.std, 1e-8);
      return;
    case 'none':
      return;
  }
}

/** (k, j, i) C-order ↔ (i, j, k): the tensor for models that want x slowest. `shape` is the source (i, j, k). */
function transpose3<T extends Float32Array | Uint8Array | Uint16Array>(a: T, shape: readonly number[]): T {
  const [ni, nj, nk] = shape;
  const out = new (a.constructor as new (n: number) => T)(a.length);
  let o = 0;
  for (let i = 0; i < ni; i++)
    for (let j = 0; j < nj; j++) for (let k = 0; k < nk; k++, o++) out[o] = a[i + ni * (j + nj * k)];
  return out;
}
