/**
 * Which loaded scan feeds which input channel of a multi-channel model (BraTS: T1, T1ce, T2, FLAIR;
 * prostate: T2, ADC). A scan is matched to a channel by nnU-Net's file suffix (`_0001`) first, then by the
 * channel's name in the file name; channels left over take the remaining scans in load order. The user can
 * change every choice; the grids are checked before anything runs.
 */
export function assignChannels(
  channelNames: readonly string[],
  scans: readonly { id: string; name: string }[],
  chosen: readonly (string | null)[] = [],
): (string | null)[] {
  const out: (string | null)[] = channelNames.map((_, c) =>
    chosen[c] && scans.some((s) => s.id === chosen[c]) ? chosen[c] : null,
  );
  const taken = () => new Set(out.filter(Boolean));
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  channelNames.forEach((name, c) => {
    if (out[c]) return;
    const suffix = new RegExp(`_${String(c).padStart(4, '0')}\\.(nii|nrrd|npy)`, 'i');
    const bySuffix = scans.find((s) => !taken().has(s.id) && suffix.test(s.name));
    const byName = scans.find((s) => !taken().has(s.id) && norm(name) && norm(s.name).includes(norm(name)));
    out[c] = (bySuffix ?? byName)?.id ?? null;
  });
  channelNames.forEach((_, c) => {
    if (out[c]) return;
    out[c] = scans.find((s) => !taken().has(s.id))?.id ?? null;
  });
  return out;
}
