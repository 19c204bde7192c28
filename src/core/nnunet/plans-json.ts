/**
 * dataset_fingerprint.json and the plans file as nnU-Net writes them: same keys, order and nesting,
 * floats where Python has floats (`[30.0, 101.0, 122.0]`), 4-space indentation; the fingerprint with
 * sorted keys (save_json's default), the plans in insertion order (save_json(sort_keys=False)).
 */

import { type PyJson, pyFloat, pyFloats, toPythonJson } from '../pycompat/python-json';
import type { DatasetFingerprint, IntensityProperties, Plans, PlansConfigurationEntry } from './plans-types';

function intensities(props: Record<string, IntensityProperties>): PyJson {
  const out: Record<string, PyJson> = {};
  for (const [channel, p] of Object.entries(props)) {
    const floats: Record<string, PyJson> = {};
    for (const [k, v] of Object.entries(p)) floats[k] = typeof v === 'number' ? pyFloat(v) : (v as PyJson);
    out[channel] = floats;
  }
  return out;
}

export function fingerprintToPyJson(fp: DatasetFingerprint): PyJson {
  return {
    spacings: fp.spacings.map(pyFloats),
    shapes_after_crop: fp.shapes_after_crop,
    foreground_intensity_properties_per_channel: intensities(fp.foreground_intensity_properties_per_channel),
    median_relative_size_after_cropping: pyFloat(fp.median_relative_size_after_cropping),
  };
}

export function formatFingerprintJson(fp: DatasetFingerprint): string {
  return toPythonJson(fingerprintToPyJson(fp), { sortKeys: true });
}

/**
 * One configuration. `median_image_size_in_voxels` is float64 in nnU-Net's 3d_fullres and 2d but ints
 * (Python round()) in a generated 3d_lowres, which is the configuration that names a `next_stage`.
 */
export function configurationToPyJson(c: PlansConfigurationEntry): PyJson {
  const out: Record<string, PyJson> = {};
  for (const [k, v] of Object.entries(c)) {
    if (v === undefined) continue;
    if (k === 'spacing') out[k] = pyFloats(v as number[]);
    else if (k === 'median_image_size_in_voxels')
      out[k] = 'next_stage' in c ? (v as number[]) : pyFloats(v as number[]);
    else if (k === 'architecture') out[k] = architectureToPyJson(v as Record<string, unknown>);
    else out[k] = v as PyJson;
  }
  return out;
}

function architectureToPyJson(a: Record<string, unknown>): PyJson {
  const out: Record<string, PyJson> = { ...(a as Record<string, PyJson>) };
  const kw = a.arch_kwargs as Record<string, unknown> | undefined;
  if (kw) {
    const k2: Record<string, PyJson> = { ...(kw as Record<string, PyJson>) };
    const norm = kw.norm_op_kwargs as Record<string, unknown> | null | undefined;
    if (norm && typeof norm.eps === 'number')
      k2.norm_op_kwargs = { ...(norm as Record<string, PyJson>), eps: pyFloat(norm.eps) };
    out.arch_kwargs = k2;
  }
  return out;
}

export function plansToPyJson(plans: Plans): PyJson {
  const out: Record<string, PyJson> = {};
  for (const [k, v] of Object.entries(plans)) {
    if (v === undefined) continue;
    if (k === 'original_median_spacing_after_transp') out[k] = pyFloats(v as number[]);
    else if (k === 'configurations') {
      const cs: Record<string, PyJson> = {};
      for (const [name, c] of Object.entries(v as Record<string, PlansConfigurationEntry>))
        cs[name] = configurationToPyJson(c);
      out[k] = cs;
    } else if (
      k === 'foreground_intensity_properties_per_channel' ||
      k === 'foreground_intensity_properties_by_modality'
    )
      out[k] = intensities(v as Record<string, IntensityProperties>);
    else out[k] = v as PyJson;
  }
  return out;
}

export function formatPlansJson(plans: Plans): string {
  return toPythonJson(plansToPyJson(plans), { sortKeys: false });
}
