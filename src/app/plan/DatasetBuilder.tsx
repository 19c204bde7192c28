import type { FolderRole } from '../../core/dataset/assemble-request';
import { collectDroppedFiles } from '../actions/dropped-files';
import { PickFiles } from '../components/PickFiles';
import { buildDataset, downloadBuilt, planBuilt, showBuilderCase } from './builder-actions';
import { useBuilder } from './builder-store';

const ROLES: { value: FolderRole; label: string }[] = [
  { value: 'image', label: 'image channel' },
  { value: 'label', label: 'label (binary masks)' },
  { value: 'test', label: 'test images of channel' },
  { value: 'skip', label: 'not used' },
];

/**
 * Plan mode's Dataset builder: folders of scans and of binary masks → an nnU-Net raw dataset. Masks are
 * painted in the listed order (later rows over earlier ones); the merge and the writing run in the
 * dataset worker.
 */
export function DatasetBuilder() {
  const { folders, datasetName, allowMissingLabels, plan, built } = useBuilder();
  const b = useBuilder.getState();
  const errors = plan?.problems.filter((p) => p.severity === 'error') ?? [];
  const warnings = plan?.problems.filter((p) => p.severity === 'warning') ?? [];
  let labelValue = 0;
  return (
    <section data-testid="dataset-builder">
      <h2>Build a dataset from folders</h2>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: the folder button below is the accessible way in */}
      <div
        className="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          e.stopPropagation();
        }}
        onDrop={(e) => {
          e.preventDefault();
          e.stopPropagation();
          void collectDroppedFiles(e.dataTransfer).then(b.addFolders);
        }}
      >
        <p className="small">
          Drop folders here: one of images per channel, one of binary masks per structure (matched by file
          name; later masks paint over earlier ones).
        </p>
        <PickFiles folder testId="builder-folder-input" onPick={b.addFolders}>
          Add folder…
        </PickFiles>
      </div>
      {folders.length > 0 && (
        <table className="small" data-testid="builder-folders">
          <tbody>
            {folders.map((f, i) => {
              if (f.role === 'label') labelValue++;
              return (
                <tr key={f.folder}>
                  <td title={`${f.files.length} files`}>{f.folder}/</td>
                  <td>
                    <select
                      aria-label={`role of ${f.folder}`}
                      value={f.role}
                      onChange={(e) => b.update(i, { role: e.currentTarget.value as FolderRole })}
                    >
                      {ROLES.map((r) => (
                        <option key={r.value} value={r.value}>
                          {r.label}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input
                      aria-label={`name of ${f.folder}`}
                      value={f.name}
                      size={10}
                      onChange={(e) => b.update(i, { name: e.currentTarget.value })}
                    />
                  </td>
                  <td>{f.role === 'label' ? `= ${labelValue}` : ''}</td>
                  <td>
                    <button type="button" title="earlier" onClick={() => b.move(i, -1)}>
                      ↑
                    </button>
                    <button type="button" title="later" onClick={() => b.move(i, 1)}>
                      ↓
                    </button>
                    <button type="button" title="remove" onClick={() => b.remove(i)}>
                      ×
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {folders.length > 0 && (
        <>
          <label className="field">
            Dataset name
            <input
              data-testid="builder-name"
              value={datasetName}
              onChange={(e) => b.setDatasetName(e.currentTarget.value)}
            />
          </label>
          <label className="field checkbox">
            <input
              type="checkbox"
              checked={allowMissingLabels}
              onChange={(e) => b.setAllowMissingLabels(e.currentTarget.checked)}
            />
            a missing mask is background
          </label>
        </>
      )}
      {plan && (
        <div data-testid="builder-problems">
          {errors.map((p) => (
            <p key={`${p.file}:${p.message}`} className="problem small">
              {p.file}: {p.message}
            </p>
          ))}
          {warnings.map((p) => (
            <p key={`${p.file}:${p.message}`} className="warning small">
              {p.file}: {p.message}
            </p>
          ))}
        </div>
      )}
      {plan && plan.cases.length > 0 && (
        <div className="row">
          <select
            data-testid="builder-case"
            defaultValue=""
            onChange={(e) => e.currentTarget.value && void showBuilderCase(e.currentTarget.value)}
          >
            <option value="">Show a case… ({plan.cases.length})</option>
            {plan.cases.map((c) => (
              <option key={c.id} value={c.id}>
                {c.id}
              </option>
            ))}
          </select>
          <button
            type="button"
            data-testid="builder-build"
            disabled={errors.length > 0}
            onClick={() => void buildDataset()}
          >
            Build dataset
          </button>
        </div>
      )}
      {built && (
        <div className="row" data-testid="builder-built">
          <span className="small">
            {built.datasetName}: {built.cases} training cases
            {built.testCases ? `, ${built.testCases} test cases` : ''}
          </span>
          <button type="button" data-testid="builder-plan" onClick={() => void planBuilt()}>
            Plan it
          </button>
          <button type="button" data-testid="builder-download" onClick={downloadBuilt}>
            Download .zip
          </button>
        </div>
      )}
    </section>
  );
}
