import { describeError, isTesseraError } from '../../core/errors';
import { type LabelTable, parseLabelTable } from '../../core/io/volume/label-table';
import { VOLUME_EXTENSIONS } from '../../core/io/volume/read-volume';
import { assertLabelGrid } from '../../core/io/volume/volume';
import { looksLikeCT } from '../../core/io/volume/volume-info';
import { fetchShipped } from '../fetch-shipped';
import { runJob } from '../jobs';
import { activeScan, newId, useStore } from '../store';
import { uniqueName } from '../unique-name';
import { viewerReady } from '../viewer/viewer-instance';
import { openVolumeFile } from '../workers';

export interface NamedFile {
  name: string;
  file: Blob;
}

const isVolumeName = (n: string) => VOLUME_EXTENSIONS.some((e) => n.toLowerCase().endsWith(e));

/**
 * Open dropped or picked files: volumes become scans, label maps attach to the active scan (when on its
 * grid), and a .json beside them names the labels. Each file is its own job; one bad file is reported and
 * the rest still load, and nothing already loaded is touched by a failure.
 */
export async function loadFiles(
  files: NamedFile[],
  options: { asLabels?: boolean; table?: LabelTable } = {},
): Promise<void> {
  const store = useStore.getState();
  let table = options.table;
  for (const f of files.filter((x) => x.name.toLowerCase().endsWith('.json'))) {
    try {
      table = parseLabelTable(JSON.parse(await f.file.text()), f.name);
    } catch (e) {
      store.showError(isTesseraError(e) ? e.message : `${f.name}: not valid JSON (${describeError(e)})`);
    }
  }
  const volumes = files.filter((f) => !f.name.toLowerCase().endsWith('.json'));
  for (const f of volumes) {
    if (!isVolumeName(f.name)) {
      store.showError(
        `${f.name}: not a supported volume`,
        `Tessera opens ${VOLUME_EXTENSIONS.join(', ')} files.`,
      );
      continue;
    }
    await loadOne(f, options.asLabels ?? false, table);
  }
}

async function loadOne(f: NamedFile, forceLabels: boolean, table: LabelTable | undefined): Promise<void> {
  await runJob({
    kind: 'load',
    title: `Loading ${f.name}`,
    stage: 'reading and decompressing',
    hint: hintFor,
    summary: (_, ms) => `Loaded ${f.name} in ${(ms / 1000).toFixed(2)} s`,
    run: async ({ signal }) => {
      const store = useStore.getState();
      const opened = await openVolumeFile(f.file, f.name, signal);
      // For the responsiveness test and the profiler: reading is done; what follows is display.
      performance.mark(`tessera:opened:${f.name}`);
      const current = activeScan(useStore.getState());
      const asLabels = forceLabels || (opened.isLabelMap && current !== null);
      if (asLabels) {
        if (!current) throw new Error(`${f.name}: load a scan first, then its label map`);
        assertLabelGrid(current.volume, opened.volume);
        const names: Record<number, string> = { ...(table?.names ?? {}) };
        store.addLabelMap({
          id: newId('labels'),
          scanId: current.id,
          name: f.name,
          data: opened.volume.data,
          names,
          colors: table?.colors,
          origin: 'file',
        });
      } else {
        store.addScan({
          id: newId('scan'),
          // the same file twice: "name (2)", never two entries that look the same
          name: uniqueName(
            f.name,
            useStore.getState().scans.map((s) => s.name),
          ),
          volume: opened.volume,
          info: opened.info,
          display: opened.display,
          isCT: looksLikeCT(opened.info),
        });
      }
      // The real load time is until it is on screen: reading, then NiiVue building and drawing it.
      await drawn();
    },
  });
}

/** After React has handed the new state to the viewer (next frames), wait until it has drawn it. */
async function drawn(): Promise<void> {
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  await (await viewerReady).settled();
}

function hintFor(e: unknown): string | undefined {
  if (!isTesseraError(e)) return undefined;
  switch (e.code) {
    case 'gzip-truncated':
    case 'truncated-data':
      return 'The file is incomplete: copy or download it again.';
    case 'gzip-corrupt':
      return 'The file is damaged: copy or download it again.';
    case 'grid-mismatch':
      return 'A label map must be on its scan’s grid (same size, spacing and position). Select the matching scan first.';
    case 'too-large':
      return 'Crop or downsample the volume before loading it in the browser.';
    case 'unsupported-datatype':
    case 'unsupported-format':
    case 'bad-magic':
      return 'Convert it to NIfTI (.nii.gz) or NRRD.';
    default:
      return undefined;
  }
}

/** The built-in demo: the abdominal CT and its TotalSegmentator label map, shipped in public/demo. */
export async function loadDemoCT(): Promise<void> {
  const store = useStore.getState();
  try {
    const [ct, seg, names] = await Promise.all([
      fetchFile('demo/ts_example_ct_sm.nii.gz'),
      fetchFile('demo/ts_example_ct_sm_seg.nii.gz'),
      fetchShipped('demo/totalsegmentator_total_labels.json').then((r) => r.json()),
    ]);
    await loadFiles([ct]);
    await loadFiles([seg], {
      asLabels: true,
      table: parseLabelTable(names, 'totalsegmentator_total_labels.json'),
    });
    const maps = useStore.getState().labelMaps;
    const demo = maps.at(-1);
    if (demo)
      useStore.setState({ labelMaps: maps.map((m) => (m.id === demo.id ? { ...m, origin: 'demo' } : m)) });
  } catch (e) {
    store.showError(`The demo could not be loaded: ${describeError(e)}`);
  }
}

async function fetchFile(url: string): Promise<NamedFile> {
  const r = await fetchShipped(url);
  return { name: url.split('/').pop() ?? url, file: await r.blob() };
}

/** A shipped scan (public/...), e.g. the demo a built-in model is meant for. */
export async function loadDemoScan(url: string): Promise<void> {
  try {
    await loadFiles([await fetchFile(url)]);
  } catch (e) {
    useStore.getState().showError(`${url} could not be loaded: ${describeError(e)}`);
  }
}
