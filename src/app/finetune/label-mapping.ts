import type { ModelSummary } from '../../core/model/bundle/open-bundle';
import type { LabelMap } from '../store';

/**
 * How a label map's values become the model's label values for training: by name where both have names
 * (TotalSegmentator's 117 classes → the model's spleen/kidneys/liver), else value for value. Labels the
 * model does not know become background.
 */
export interface LabelMapping {
  /** source value → model value */
  map: Map<number, number>;
  matched: { from: number; to: number; name: string }[];
  dropped: number[];
  byName: boolean;
}

const norm = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

export function mapLabels(source: LabelMap, model: ModelSummary): LabelMapping {
  const modelByName = new Map(model.labels.filter((l) => l.value > 0).map((l) => [norm(l.name), l.value]));
  const modelValues = new Set(model.labels.map((l) => l.value));
  const present = new Set<number>();
  for (let i = 0; i < source.data.length; i++) present.add(source.data[i]);
  present.delete(0);
  const named = [...present].filter(
    (v) => source.names[v] !== undefined && modelByName.has(norm(source.names[v])),
  );
  const byName = named.length > 0;
  const map = new Map<number, number>();
  const matched: LabelMapping['matched'] = [];
  const dropped: number[] = [];
  for (const v of [...present].sort((a, b) => a - b)) {
    const to = byName ? modelByName.get(norm(source.names[v] ?? '')) : modelValues.has(v) ? v : undefined;
    if (to === undefined) {
      dropped.push(v);
      continue;
    }
    map.set(v, to);
    matched.push({ from: v, to, name: model.labels.find((l) => l.value === to)?.name ?? String(to) });
  }
  return { map, matched, dropped, byName };
}

export function applyMapping(data: ArrayLike<number>, m: LabelMapping): Uint8Array {
  const lut = new Map(m.map);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = lut.get(data[i]) ?? 0;
  return out;
}
