import { TesseraError } from '../../errors';
import { labelManager } from '../../nnunet/labels';

/** Label value → name (and optional colour), from whatever table format came with a label map. */
export interface LabelTable {
  names: Record<number, string>;
  colors?: Record<number, [number, number, number]>;
}

/**
 * Accepts the tables users actually have: an nnU-Net dataset.json (`labels: {name: value}`), a plain
 * `{value: name}` or `{name: value}` map, or a NiiVue/brainchop colormap (`R`, `G`, `B`, `labels`, `I`).
 * Elsewhere, region entries (lists of values) are named after their first value only when that value is unnamed.
 */
export function parseLabelTable(json: unknown, file: string): LabelTable {
  if (!json || typeof json !== 'object')
    throw new TesseraError('bad-argument', file, 'is not a label table (expected a JSON object)');
  const obj = json as Record<string, unknown>;
  if (Array.isArray(obj.R) && Array.isArray(obj.G) && Array.isArray(obj.B)) {
    const R = obj.R as number[];
    const G = obj.G as number[];
    const B = obj.B as number[];
    const labels = Array.isArray(obj.labels) ? (obj.labels as string[]) : [];
    const I = Array.isArray(obj.I) ? (obj.I as number[]) : R.map((_, i) => i);
    const names: Record<number, string> = {};
    const colors: Record<number, [number, number, number]> = {};
    I.forEach((v, i) => {
      names[v] = labels[i] ?? `label ${v}`;
      colors[v] = [R[i], G[i], B[i]];
    });
    return { names, colors };
  }
  // An nnU-Net dataset.json: its LabelManager names the values (regions by regions_class_order).
  if (isDatasetJsonLabels(obj)) return { names: labelManager(obj, file).names };
  const source = obj.labels && typeof obj.labels === 'object' ? (obj.labels as Record<string, unknown>) : obj;
  const names: Record<number, string> = {};
  for (const [k, v] of Object.entries(source)) {
    if (typeof v === 'number' && Number.isInteger(v)) names[v] = k;
    else if (typeof v === 'string' && /^-?\d+$/.test(k)) names[Number(k)] = v;
    else if (Array.isArray(v) && v.length > 0 && typeof v[0] === 'number' && names[v[0]] === undefined)
      names[v[0]] = k;
  }
  if (Object.keys(names).length === 0)
    throw new TesseraError(
      'bad-argument',
      file,
      'has no label names (expected {"labels": {"name": value}} or {value: name})',
    );
  return { names };
}

function isDatasetJsonLabels(obj: Record<string, unknown>): boolean {
  const labels = obj.labels as Record<string, unknown> | undefined;
  return !!labels && typeof labels === 'object' && labels.background === 0;
}
