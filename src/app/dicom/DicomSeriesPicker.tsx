import { useState } from 'react';
import { useDicomPicker } from './dicom-store';
import { openSeries } from './open-dicom-drop';

/** After a drop with several image series: pick one (the largest is preselected). No patient data shown. */
export function DicomSeriesPicker() {
  const pending = useDicomPicker((s) => s.pending);
  const setPending = useDicomPicker((s) => s.setPending);
  const [chosen, setChosen] = useState<number | null>(null);
  if (!pending) return null;
  const { listing, token } = pending;
  const images = listing.series.filter((s) => !s.isSegmentation);
  const selected = chosen ?? listing.defaultIndex ?? images[0]?.index;
  return (
    <div className="dicom-picker" role="dialog" aria-label="Choose a DICOM series" data-testid="dicom-picker">
      <h2>
        {listing.name}: {images.length} series
      </h2>
      <ul>
        {images.map((s) => (
          <li key={s.index}>
            <label>
              <input
                type="radio"
                name="dicom-series"
                checked={selected === s.index}
                onChange={() => setChosen(s.index)}
                data-testid={`dicom-series-${s.index}`}
              />
              {s.text}
            </label>
          </li>
        ))}
      </ul>
      <div className="dicom-picker-actions">
        <button
          type="button"
          className="primary"
          data-testid="dicom-open-series"
          onClick={() => {
            setChosen(null);
            if (selected !== undefined) void openSeries(token, selected, listing);
          }}
        >
          Open series
        </button>
        <button
          type="button"
          onClick={() => {
            setChosen(null);
            setPending(null);
          }}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}
