import type { ModelCard } from '../model/bundle/model-card';
import type { NnunetModelInfo } from '../model/bundle/nnunet-model';

/**
 * Does this scan fit this model? Checked before running, because a network answers whatever it is given:
 * a CT model on an MR still "finds" a liver. Warnings only (the user may know better and run anyway).
 */

export interface ScanFacts {
  /** Looks like CT: Hounsfield units (volume-info's looksLikeCT). */
  isCT: boolean;
  min: number;
  max: number;
  /** nnU-Net's (z, y, x) spacing in mm, before the plans' transpose. */
  spacingZyx: number[];
  /** How many image channels are given (one file per channel). */
  channels: number;
}

export interface ModelFacts {
  /** One name per input channel, as dataset.json's channel_names ("CT", "T1", …); empty when unknown. */
  channelNames: string[];
  inputChannels: number;
  /** The configuration's target spacing in the plans' axis order, or null when the model conforms itself. */
  spacing: number[] | null;
  transposeForward: number[];
}

export interface ScanModelWarning {
  kind: 'modality' | 'channels' | 'spacing';
  message: string;
}

/**
 * Beyond these ratios on any axis the scan's anatomy is at a scale the network did not see: a scan 3× coarser
 * than the model lacks the detail it was trained on. Finer scans are resampled down to the model's grid
 * as a matter of course (TotalSegmentator's 3 mm model runs on 0.7 mm clinical CTs), so only an extreme
 * ratio (another kind of image: microscopy, a mislabelled header) is flagged.
 */
export const COARSER_RATIO_LIMIT = 3;
export const FINER_RATIO_LIMIT = 8;

const mm = (v: number[]) => v.map((x) => (Math.round(x * 100) / 100).toString()).join(' × ');

export function checkScanAgainstModel(scan: ScanFacts, model: ModelFacts): ScanModelWarning[] {
  const out: ScanModelWarning[] = [];
  if (scan.channels !== model.inputChannels)
    out.push({
      kind: 'channels',
      message: `The model takes ${model.inputChannels} input channel${model.inputChannels > 1 ? 's' : ''}${model.channelNames.length ? ` (${model.channelNames.join(', ')})` : ''}; this scan gives ${scan.channels}.`,
    });
  // nnU-Net normalises a channel named "CT" with its Hounsfield statistics; every other name is an MR-like
  // z-score channel. The first channel decides (multi-channel CT models are rare).
  const first = model.channelNames[0];
  if (first !== undefined) {
    const wantsCT = first.trim().toUpperCase() === 'CT';
    const range = `values ${Math.round(scan.min)} … ${Math.round(scan.max)}`;
    if (wantsCT && !scan.isCT)
      out.push({
        kind: 'modality',
        message: `The model was trained on CT, but this scan is not in Hounsfield units (${range}; no air at about −1000): it looks like MR. Its output would not mean anything.`,
      });
    else if (!wantsCT && scan.isCT)
      out.push({
        kind: 'modality',
        message: `The model was trained on ${first} (MR), but this scan looks like CT (${range} HU). Its output would not mean anything.`,
      });
  }
  if (model.spacing && model.spacing.length === scan.spacingZyx.length) {
    const scanT = model.transposeForward.map((a) => scan.spacingZyx[a]);
    const coarser = Math.max(...scanT.map((s, i) => s / model.spacing![i]));
    const finer = Math.max(...scanT.map((s, i) => model.spacing![i] / s));
    const worst = coarser > COARSER_RATIO_LIMIT ? coarser : finer;
    if (coarser > COARSER_RATIO_LIMIT || finer > FINER_RATIO_LIMIT)
      out.push({
        kind: 'spacing',
        message: `The scan's voxels (${mm(scanT)} mm) are far from the model's (${mm(model.spacing)} mm, ${worst.toFixed(1)}× on one axis): it was trained on images of another kind or region.`,
      });
  }
  return out;
}

/** What an nnU-Net results folder (model-info) says about its input. */
export function nnunetModelFacts(info: NnunetModelInfo): ModelFacts {
  const names = Object.keys(info.channel_names)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => info.channel_names[k]);
  return {
    channelNames: names,
    inputChannels: info.input_channels,
    spacing: info.spacing,
    transposeForward: info.transpose_forward,
  };
}

/** What a model card says: its modality (or "CT" when it normalises as CT), channels; it conforms itself. */
export function cardModelFacts(card: ModelCard): ModelFacts {
  const modality = card.input.modality ?? (card.preprocessing.kind === 'ct' ? 'CT' : undefined);
  return {
    channelNames: modality ? Array.from({ length: card.input.channels }, () => modality) : [],
    inputChannels: card.input.channels,
    spacing: null,
    transposeForward: [0, 1, 2],
  };
}
