/**
 * sRGB (0–255) to DICOM's Recommended Display CIELab Value: the ICC profile connection space (CIELab
 * relative to D50, Bradford-adapted from sRGB's D65), scaled to 0–65535 as PS3.3 C.10.7.1.1 specifies
 * (L* 0–100, a* and b* −128–127).
 */
export function rgbToDicomLab(rgb: [number, number, number]): [number, number, number] {
  const lin = rgb.map((c) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  // sRGB → XYZ (D50), the Bradford-adapted matrix of the sRGB specification.
  const x = 0.4360747 * lin[0] + 0.3850649 * lin[1] + 0.1430804 * lin[2];
  const y = 0.2225045 * lin[0] + 0.7168786 * lin[1] + 0.0606169 * lin[2];
  const z = 0.0139322 * lin[0] + 0.0971045 * lin[1] + 0.7141733 * lin[2];
  const white = [0.96422, 1.0, 0.82521];
  const f = (t: number) => (t > (6 / 29) ** 3 ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29);
  const fx = f(x / white[0]);
  const fy = f(y / white[1]);
  const fz = f(z / white[2]);
  const L = 116 * fy - 16;
  const a = 500 * (fx - fy);
  const b = 200 * (fy - fz);
  const clamp = (v: number) => Math.max(0, Math.min(65535, Math.round(v)));
  return [clamp((L * 65535) / 100), clamp(((a + 128) * 65535) / 255), clamp(((b + 128) * 65535) / 255)];
}

/** The inverse, for reading a SEG's colours back onto the page. */
export function dicomLabToRgb(lab: number[]): [number, number, number] {
  const L = (lab[0] * 100) / 65535;
  const a = (lab[1] * 255) / 65535 - 128;
  const b = (lab[2] * 255) / 65535 - 128;
  const fy = (L + 16) / 116;
  const fx = fy + a / 500;
  const fz = fy - b / 200;
  const inv = (t: number) => (t > 6 / 29 ? t ** 3 : 3 * (6 / 29) ** 2 * (t - 4 / 29));
  const white = [0.96422, 1.0, 0.82521];
  const x = inv(fx) * white[0];
  const y = inv(fy) * white[1];
  const z = inv(fz) * white[2];
  const lin = [
    3.1338561 * x - 1.6168667 * y - 0.4906146 * z,
    -0.9787684 * x + 1.9161415 * y + 0.033454 * z,
    0.0719453 * x - 0.2289914 * y + 1.4052427 * z,
  ];
  return lin.map((v) => {
    const c = v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055;
    return Math.max(0, Math.min(255, Math.round(c * 255)));
  }) as [number, number, number];
}
