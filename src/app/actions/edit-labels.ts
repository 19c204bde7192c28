import { describeError } from '../../core/errors';
import { activeLabelMap, activeScan, useStore } from '../store';
import { viewerReady } from '../viewer/viewer-instance';

/** Start correcting the active label map: it becomes NiiVue's drawing layer (pen, eraser, undo). */
export async function startEditing(): Promise<void> {
  const s = useStore.getState();
  const scan = activeScan(s);
  const map = activeLabelMap(s);
  if (!scan || !map) return;
  try {
    const viewer = await viewerReady;
    await viewer.startEditing(scan, map, map.colors);
    const first = Number(Object.keys(map.names).find((k) => Number(k) > 0) ?? 1);
    viewer.setPen(first, false);
    useStore.setState({ editing: { labelMapId: map.id, pen: first, filled: false } });
  } catch (e) {
    s.showError(`${map.name}: cannot be edited (${describeError(e)})`);
  }
}

export async function setPen(pen: number, filled: boolean): Promise<void> {
  (await viewerReady).setPen(pen, filled);
  useStore.setState((s) => ({ editing: s.editing ? { ...s.editing, pen, filled } : null }));
}

export async function undoEdit(): Promise<void> {
  (await viewerReady).undoEdit();
}

/** Apply (keep) or discard the edits. Applied edits replace the map's voxels; nothing else changes. */
export async function finishEditing(keep: boolean): Promise<void> {
  const s = useStore.getState();
  const editing = s.editing;
  if (!editing) return;
  const map = s.labelMaps.find((m) => m.id === editing.labelMapId);
  const labels = await (await viewerReady).finishEditing(keep);
  useStore.setState({ editing: null });
  if (keep && labels && map) {
    const data = map.data instanceof Uint8Array ? labels : Uint16Array.from(labels);
    s.updateLabelMap(map.id, {
      data,
      version: (map.version ?? 0) + 1,
      origin: map.origin === 'segmentation' || map.origin === 'edited' ? 'edited' : map.origin,
    });
  } else if (map) {
    // redraw the untouched map
    s.updateLabelMap(map.id, { version: (map.version ?? 0) + 1 });
  }
}
