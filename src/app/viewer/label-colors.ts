/**
 * Label colours: distinct, readable over grey anatomy, stable per label value (label 5 is the same colour
 * in every view and in the table). Models and label files can bring their own colours.
 */
const PALETTE: [number, number, number][] = [
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
  [0, 128, 128],
  [220, 190, 255],
  [170, 110, 40],
  [255, 250, 200],
  [128, 0, 0],
  [170, 255, 195],
  [128, 128, 0],
  [255, 215, 180],
  [0, 0, 128],
  [128, 128, 128],
];

export function labelColor(
  value: number,
  explicit?: Record<number, [number, number, number]>,
): [number, number, number] {
  return explicit?.[value] ?? PALETTE[(value - 1 + PALETTE.length * 1000) % PALETTE.length];
}

export function cssColor(rgb: [number, number, number]): string {
  return `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`;
}

/** NiiVue's label colormap: one entry per value 0..max, background transparent. */
export function niivueLabelColormap(
  maxValue: number,
  names: Record<number, string>,
  colors?: Record<number, [number, number, number]>,
) {
  const R: number[] = [];
  const G: number[] = [];
  const B: number[] = [];
  const A: number[] = [];
  const I: number[] = [];
  const labels: string[] = [];
  for (let v = 0; v <= Math.max(1, maxValue); v++) {
    const [r, g, b] = v === 0 ? [0, 0, 0] : labelColor(v, colors);
    R.push(r);
    G.push(g);
    B.push(b);
    A.push(v === 0 ? 0 : 255);
    I.push(v);
    labels.push(names[v] ?? (v === 0 ? 'background' : `label ${v}`));
  }
  return { R, G, B, A, I, labels };
}
