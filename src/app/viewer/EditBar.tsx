import { useEffect } from 'react';
import { finishEditing, setPen, startEditing, undoEdit } from '../actions/edit-labels';
import { activeLabelMap, useStore } from '../store';
import { cssColor, labelColor } from './label-colors';

/** Correcting a label map: pick a label (or the eraser), paint on any 2-D view, undo, apply or discard. */
export function EditBar() {
  const map = useStore(activeLabelMap);
  const editing = useStore((s) => s.editing);
  useEffect(() => {
    if (!editing) return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        void undoEdit();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [editing]);
  if (!map) return null;
  if (!editing)
    return (
      <button
        type="button"
        onClick={() => void startEditing()}
        data-testid="edit-labels"
        title="Correct the label map by painting on the slices"
      >
        Edit labels
      </button>
    );
  const values = Object.keys(map.names)
    .map(Number)
    .filter((v) => v > 0 && v < 256)
    .sort((a, b) => a - b);
  return (
    <div className="edit-bar" data-testid="edit-bar">
      <select
        value={editing.pen}
        onChange={(e) => void setPen(Number(e.currentTarget.value), editing.filled)}
        aria-label="Label to paint"
        data-testid="pen-label"
      >
        {values.map((v) => (
          <option key={v} value={v}>
            {map.names[v]} ({v})
          </option>
        ))}
        <option value={0}>eraser</option>
      </select>
      <span
        className="swatch"
        style={{ background: editing.pen ? cssColor(labelColor(editing.pen, map.colors)) : 'transparent' }}
      />
      <label className="field checkbox">
        <input
          type="checkbox"
          checked={editing.filled}
          onChange={(e) => void setPen(editing.pen, e.currentTarget.checked)}
        />
        fill outline
      </label>
      <button type="button" onClick={() => void undoEdit()} title="Undo (Ctrl+Z)">
        Undo
      </button>
      <button
        type="button"
        className="primary"
        onClick={() => void finishEditing(true)}
        data-testid="apply-edits"
      >
        Apply
      </button>
      <button type="button" onClick={() => void finishEditing(false)}>
        Discard
      </button>
    </div>
  );
}
