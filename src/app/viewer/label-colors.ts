import { labelColor } from '../../core/io/volume/label-colors';

// The palette lives in core: the DICOM-SEG writer gives each segment the colour the page shows.
export { labelColor };

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
