/**
 * Label colours: distinct, readable over grey anatomy, stable per label value (label 5 is the same colour
 * in every view and in the table). Models and label files can bring their own colours.
 */
export const LABEL_PALETTE: [number, number, number][] = [
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
  return explicit?.[value] ?? LABEL_PALETTE[(value - 1 + LABEL_PALETTE.length * 1000) % LABEL_PALETTE.length];
}
