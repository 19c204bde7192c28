import { useMemo, useState } from 'react';
import { estimateEvaluations } from '../../core/inference/estimate';
import { estimatePredictionMemory } from '../../core/inference/estimate-memory';
import {
  estimatePredictionTime,
  measuredSpeeds,
  predictionWork,
  REFERENCE_SPEEDS,
} from '../../core/inference/estimate-time';
import { defaultFolds, separateHead } from '../../core/inference/model-networks';
import {
  cardModelFacts,
  checkScanAgainstModel,
  nnunetModelFacts,
} from '../../core/inference/scan-model-check';
import { zyxShape, zyxSpacing } from '../../core/io/volume/volume';
import type { ModelCard } from '../../core/model/bundle/model-card';
import type { NnunetModelInfo } from '../../core/model/bundle/nnunet-model';
import type { CheckpointChoice } from '../../core/model/bundle/results-folder';
import { inferencePoolSize } from '../../core/parallel/pool';
import { loadDemoScan } from '../actions/load-volumes';
import { saveLabelMapAsDicomSeg } from '../actions/save-dicom-seg';
import { backendText, modelChannelNames, saveLabelMap, segmentActiveScan } from '../actions/segment';
import { LabelComparison } from '../components/LabelComparison';
import { LabelTable } from '../components/LabelTable';
import { PickFiles } from '../components/PickFiles';
import { duration } from '../format/duration';
import { isRunning } from '../jobs';
import { assignChannels } from '../models/channel-assignment';
import { importDroppedModel } from '../models/import-dropped-model';
import {
  type BackendChoice,
  type ModelEntry,
  removeModel,
  setModelCheckpoint,
  useModels,
} from '../models/models-store';
import { activeLabelMap, activeScan, useStore } from '../store';

const mb = (n: number) =>
  n < 2 ** 20 ? `${Math.max(1, Math.round(n / 1024))} KB` : `${(n / 2 ** 20).toFixed(1)} MB`;

export function ModelPicker() {
  const { models, activeModelId, setActiveModel } = useModels();
  return (
    <section>
      <h2>Models</h2>
      <ul className="item-list" data-testid="model-list">
        {models.map((m) => (
          <li key={m.id} className={m.id === activeModelId ? 'active' : ''}>
            <button
              type="button"
              className="item"
              onClick={() => setActiveModel(m.id)}
              title={m.error ?? m.name}
            >
              <span className="item-name">{m.name}</span>
              <span className="item-meta">
                {m.error
                  ? `error: ${m.error}`
                  : m.summary
                    ? `${m.summary.configuration}${m.summary.folds.length ? ` · folds ${m.summary.folds.join(', ')}` : ''} · ${m.summary.labels.filter((l) => l.value !== 0).length} labels · ${mb(m.summary.sizeBytes)}${m.origin !== 'builtin' ? ` · ${m.origin}${m.persisted ? '' : ' (this session only)'}` : ''}`
                    : 'reading…'}
              </span>
              {m.checkpoint && <span className="item-note">reads {m.checkpoint}</span>}
              {m.summary?.foldNotes.map((n) => (
                <span key={n} className="item-note">
                  {n}
                </span>
              ))}
            </button>
            {m.origin !== 'builtin' && (
              <button
                type="button"
                className="remove"
                aria-label={`Remove ${m.name}`}
                onClick={() => void removeModel(m.id)}
              >
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      <div className="row">
        <PickFiles
          folder
          testId="model-folder-input"
          onPick={(f) => void importDroppedModel(f)}
          title="an nnU-Net results folder: plans.json, dataset.json, fold_X/checkpoint_final.pth"
        >
          Import results folder…
        </PickFiles>
        <PickFiles
          multiple
          testId="model-file-input"
          accept=".zip,.onnx,.json"
          onPick={(f) => void importDroppedModel(f)}
          title="a zipped results folder, or an .onnx with its model-card.json"
        >
          Import zip / ONNX…
        </PickFiles>
      </div>
    </section>
  );
}

/** The Segment mode: model, speed/quality, run, results (right panel). */
export function SegmentPanel() {
  const scan = useStore(activeScan);
  const labels = useStore(activeLabelMap);
  const jobs = useStore((s) => s.jobs);
  const last = useStore((s) => s.lastSegmentation);
  const {
    models,
    activeModelId,
    tta,
    tileStepSize,
    backend,
    gpuKernels,
    setGpuKernels,
    folds,
    crossvalPostprocessing,
    channelScans,
    resampleLabels,
    setResampleLabels,
    setCrossvalPostprocessing,
    setTta,
    setTileStepSize,
    setBackend,
    setFolds,
  } = useModels();
  const model = models.find((m) => m.id === activeModelId) ?? null;
  const nnunet =
    model?.details && 'configuration' in model.details ? (model.details as NnunetModelInfo) : null;
  const running = isRunning(jobs, 'segment');
  const allScans = useStore((s) => s.scans);
  // a multi-channel model: as many channels as scans assigned to it (see ChannelChoice)
  const channelCount =
    model && (model.summary?.inputChannels ?? 1) > 1
      ? assignChannels(modelChannelNames(model), allScans, channelScans).filter(Boolean).length
      : 1;
  const warnings = useMemo(() => {
    if (!scan || !model?.details) return [];
    const facts =
      'configuration' in model.details
        ? nnunetModelFacts(model.details as NnunetModelInfo)
        : cardModelFacts(model.details as ModelCard);
    return checkScanAgainstModel(
      {
        isCT: scan.isCT,
        min: scan.info.min,
        max: scan.info.max,
        spacingZyx: zyxSpacing(scan.volume),
        channels: channelCount,
      },
      facts,
    );
  }, [scan, model?.details, channelCount]);
  // The override holds for this scan and this model only.
  const [overridden, setOverridden] = useState<string | null>(null);
  const pairKey = `${scan?.id}|${model?.id}`;
  const blockedByCheck = warnings.length > 0 && overridden !== pairKey;
  const disabledReason = !scan
    ? 'Load a scan first.'
    : !model
      ? 'Choose a model first.'
      : model.error
        ? 'The model could not be read (see its entry in the model list).'
        : running
          ? null
          : blockedByCheck
            ? 'The scan does not fit the model (above): tick "Run anyway" to segment regardless.'
            : null;
  const usedFolds = folds.length ? folds : defaultFolds(model?.summary?.folds ?? []);
  // the runtime the run will use: wasm when asked or when auto finds no WebGPU
  const gpuFound = useStore((s) => s.backend.kind === 'webgpu');
  const runsOn: 'wasm' | 'webgpu' = backend === 'wasm' || !gpuFound ? 'wasm' : 'webgpu';
  const estimate = useMemo(() => {
    if (!scan || !nnunet?.spacing) return null;
    try {
      return estimateEvaluations(
        zyxShape(scan.volume),
        zyxSpacing(scan.volume),
        {
          spacing: nnunet.spacing,
          patch_size: nnunet.patch_size,
          transpose_forward: nnunet.transpose_forward,
        },
        {
          tileStepSize,
          mirrorAxes: tta ? (nnunet.mirroring_axes?.length ?? 0) : 0,
          folds: Math.max(1, usedFolds.length),
        },
      );
    } catch {
      return null;
    }
  }, [scan, nnunet, tileStepSize, tta, usedFolds.length]);
  const memory = useMemo(() => {
    if (!scan || !nnunet?.spacing) return null;
    try {
      return estimatePredictionMemory({
        shape: zyxShape(scan.volume),
        spacing: zyxSpacing(scan.volume),
        bytesPerVoxel: scan.volume.data.BYTES_PER_ELEMENT,
        channels: nnunet.input_channels,
        config: {
          spacing: nnunet.spacing,
          patch_size: nnunet.patch_size,
          transpose_forward: nnunet.transpose_forward,
        },
        classes: nnunet.num_outputs,
        parameters: nnunet.parameter_count,
        featuresPerStage: nnunet.features_per_stage,
        folds: Math.max(1, usedFolds.length),
        tta: tta && (nnunet.mirroring_axes?.length ?? 0) > 0,
        tileStepSize,
        exportSlabs: inferencePoolSize(navigator.hardwareConcurrency),
        separateHead: separateHead(nnunet.num_outputs, nnunet.patch_size, runsOn),
      });
    } catch {
      return null;
    }
  }, [scan, nnunet, tileStepSize, tta, usedFolds.length, runsOn]);
  // time per export mode, at the reference CPU's speeds until a run here measured this machine's
  const time = useMemo(() => {
    if (!scan || !nnunet || !estimate) return null;
    const work = predictionWork(
      nnunet,
      zyxShape(scan.volume),
      estimate.evaluations,
      inferencePoolSize(navigator.hardwareConcurrency),
    );
    const reference = REFERENCE_SPEEDS[runsOn];
    const speeds =
      last?.work && last.backend === runsOn
        ? measuredSpeeds(reference, {
            ...last.work,
            networkMs: last.timings.networkMs,
            exportMs: last.timings.exportMs,
          })
        : reference;
    return { ...estimatePredictionTime(work, speeds), source: speeds.source };
  }, [scan, nnunet, estimate, runsOn, last]);
  return (
    <>
      <section>
        <h2>Segment</h2>
        {!model && <p className="muted">Choose or import a model (left panel).</p>}
        {model && (
          <p>
            <strong>{model.name}</strong>
            {model.summary && (
              <span className="muted">
                {' '}
                — {model.summary.kind === 'nnunet' ? `nnU-Net ${model.summary.configuration}` : 'ONNX'},{' '}
                {model.summary.inputChannels} input channel
                {model.summary.inputChannels > 1 ? 's' : ''}
              </span>
            )}
          </p>
        )}
        {model && (model.summary?.inputChannels ?? 1) > 1 && <ChannelChoice entry={model} />}
        {model?.demonstration && (
          <p className="demo-note" data-testid="model-demo-note">
            Demonstration model — volumes are not measurements. A tiny network to show the workflow, not
            trained to clinical accuracy.
          </p>
        )}
        {model && <CheckpointPicker model={model} />}
        {model?.demoScan && !scan?.name.includes(model.demoScan.split('/').pop()!) && (
          <button
            type="button"
            onClick={() => void loadDemoScan(model.demoScan!)}
            data-testid="load-model-demo"
          >
            Load its demo scan
          </button>
        )}
      </section>
      <section>
        <h2>Speed and quality</h2>
        <label className="field checkbox">
          <input
            type="checkbox"
            checked={tta}
            onChange={(e) => setTta(e.currentTarget.checked)}
            data-testid="tta"
          />
          Test-time mirroring ({nnunet ? `${2 ** (nnunet.mirroring_axes?.length ?? 0)}×` : 'nnU-Net models'}{' '}
          slower, slightly better)
        </label>
        <label className="field">
          Tile step
          <select
            value={tileStepSize}
            onChange={(e) => setTileStepSize(Number(e.currentTarget.value))}
            data-testid="step-size"
          >
            {[0.25, 0.5, 0.75, 1].map((s) => (
              <option key={s} value={s}>
                {s === 0.5 ? '0.5 (nnU-Net default)' : s === 1 ? '1.0 (fastest)' : s}
              </option>
            ))}
          </select>
        </label>
        <label className="field checkbox">
          <input
            type="checkbox"
            checked={resampleLabels}
            onChange={(e) => setResampleLabels(e.currentTarget.checked)}
            data-testid="resample-labels"
          />
          Resample labels, not logits (TotalSegmentator&apos;s fast mode for many-class models: faster export,
          not nnU-Net-exact)
        </label>
        <label className="field">
          Compute
          <select
            value={backend}
            onChange={(e) => setBackend(e.currentTarget.value as BackendChoice)}
            data-testid="backend"
          >
            <option value="auto">auto (GPU when there is one)</option>
            <option value="webgpu">WebGPU</option>
            <option value="wasm">wasm (CPU)</option>
          </select>
        </label>
        {backend !== 'wasm' && (
          <label className="field">
            GPU kernels
            <select
              value={gpuKernels}
              onChange={(e) => setGpuKernels(e.currentTarget.value as 'tessera' | 'onnxruntime')}
              data-testid="gpu-kernels"
            >
              <option value="tessera">Tessera WGSL (3-D tiled convolutions)</option>
              <option value="onnxruntime">onnxruntime-web</option>
            </select>
          </label>
        )}
        {model?.summary && model.summary.folds.length > 1 && (
          <div className="field">
            Folds
            {model.summary.folds.map((f) => (
              <label key={f} className="checkbox">
                <input
                  type="checkbox"
                  checked={usedFolds.includes(f)}
                  onChange={(e) => {
                    const next = e.currentTarget.checked
                      ? [...new Set([...usedFolds, f])]
                      : usedFolds.filter((x) => x !== f);
                    if (next.length) setFolds(next);
                  }}
                />
                {f}
              </label>
            ))}
          </div>
        )}
        {model?.summary?.postprocessing?.crossval && (
          <label className="field checkbox">
            <input
              type="checkbox"
              checked={crossvalPostprocessing}
              onChange={(e) => setCrossvalPostprocessing(e.currentTarget.checked)}
              data-testid="crossval-postprocessing"
            />
            Apply the cross-validation postprocessing (as nnUNetv2_apply_postprocessing; nnUNetv2_predict
            alone does not)
          </label>
        )}
        {estimate && (
          <p className="muted" data-testid="tile-estimate">
            ≈ {estimate.evaluations} network evaluation{estimate.evaluations === 1 ? '' : 's'} (
            {estimate.tiles} tile{estimate.tiles === 1 ? '' : 's'} at {estimate.resampledShape.join('×')}{' '}
            voxels)
            {memory && (
              <span data-testid="memory-estimate">, peak memory ≈ {(memory.bytes / 1e9).toFixed(1)} GB</span>
            )}
          </p>
        )}
        {time && (
          <p className="muted" data-testid="time-estimate">
            Time ≈ {duration(1000 * time.networkS)} network, then export ≈ {duration(1000 * time.exactS)}{' '}
            nnU-Net-exact
            {resampleLabels ? '' : ' (chosen)'} or ≈ {duration(1000 * time.fastS)} resampling labels
            {resampleLabels ? ' (chosen)' : ''} —{' '}
            {time.source === 'measured'
              ? "at this machine's speed (last run)"
              : "at a 2-core reference CPU's speed, until a run here measures this machine"}
          </p>
        )}
        {warnings.length > 0 && (
          <div className="scan-warning" data-testid="scan-model-warning">
            {warnings.map((w) => (
              <p key={w.kind}>{w.message}</p>
            ))}
            <label className="checkbox">
              <input
                type="checkbox"
                checked={!blockedByCheck}
                onChange={(e) => setOverridden(e.currentTarget.checked ? pairKey : null)}
                data-testid="run-anyway"
              />
              Run anyway
            </label>
          </div>
        )}
        <button
          type="button"
          className="primary"
          disabled={!!disabledReason || running}
          title={disabledReason ?? undefined}
          onClick={() => void segmentActiveScan()}
          data-testid="segment"
        >
          {running ? 'Segmenting…' : 'Segment'}
        </button>
        {disabledReason && (
          <p className="muted" data-testid="segment-disabled-reason">
            {disabledReason}
          </p>
        )}
      </section>
      {last && (
        <section>
          <h2>Last run</h2>
          <p data-testid="segment-timing">
            {(last.totalMs / 1000).toFixed(1)} s on {backendText(last)}: preprocess{' '}
            {(last.timings.preprocessMs / 1000).toFixed(1)} s, network{' '}
            {(last.timings.networkMs / 1000).toFixed(1)} s ({last.tiles} tiles), export{' '}
            {(last.timings.exportMs / 1000).toFixed(1)} s
            {last.postprocessing
              ? `, postprocessed (${last.postprocessing.split('/').slice(-2).join('/')})`
              : ''}
          </p>
          {last.fallbackReason && <p className="muted">{last.fallbackReason}</p>}
          {last.kernelsNote && <p className="muted">{last.kernelsNote}</p>}
        </section>
      )}
      <section>
        <h2>Labels</h2>
        <LabelTable />
        {labels && (
          <button type="button" onClick={() => void saveLabelMap(labels.id)} data-testid="save-nifti">
            Save as NIfTI
          </button>
        )}
        {labels && scan?.volume.source.dicom && (
          <button
            type="button"
            onClick={() => saveLabelMapAsDicomSeg(labels.id, model?.name ?? labels.name)}
            data-testid="save-dicom-seg"
          >
            Save as DICOM-SEG
          </button>
        )}
      </section>
      <LabelComparison />
    </>
  );
}

/** A multi-channel model: which loaded scan is which channel (matched by name, changeable). */
function ChannelChoice({ entry }: { entry: ModelEntry }) {
  const scans = useStore((s) => s.scans);
  const { channelScans, setChannelScan } = useModels();
  const names = modelChannelNames(entry);
  const assigned = assignChannels(names, scans, channelScans);
  return (
    <div className="field" data-testid="channel-choice">
      Channels of the case (in the model&apos;s order)
      {names.map((name, c) => (
        <label key={name} className="field">
          {c}: {name}
          <select
            value={assigned[c] ?? ''}
            onChange={(e) => setChannelScan(c, e.currentTarget.value)}
            data-testid={`channel-${c}`}
          >
            <option value="" disabled>
              load a scan for {name}
            </option>
            {scans.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      ))}
    </div>
  );
}

/** nnU-Net's -chk in the page: which checkpoint file the folds are read from, when the folder has a choice. */
function CheckpointPicker({ model }: { model: ModelEntry }) {
  const names = model.checkpointNames ?? [];
  const standard = names.every((n) => n === 'checkpoint_final.pth' || n === 'checkpoint_best.pth');
  if (names.length === 0 || (standard && !model.checkpoint)) return null;
  return (
    <label className="field">
      Checkpoint
      <select
        value={model.checkpoint ?? 'auto'}
        onChange={(e) => {
          const v = e.currentTarget.value;
          void setModelCheckpoint(model.id, v === 'auto' ? undefined : (v as CheckpointChoice));
        }}
        data-testid="checkpoint-picker"
      >
        <option value="auto">checkpoint_final.pth (else _best)</option>
        {names
          .filter((n) => n !== 'checkpoint_final.pth')
          .map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
      </select>
    </label>
  );
}
