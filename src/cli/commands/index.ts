import type { Command } from '../command';
import { applyPostprocessingCommand } from './apply-postprocessing';
import { convertCommand } from './convert';
import { datasetCommand } from './dataset';
import { engineCheckCommand } from './engine-check';
import { ensembleCommand } from './ensemble';
import { evaluateCommand } from './evaluate';
import { exportOnnxCommand } from './export-onnx';
import { findBestConfigurationCommand } from './find-best-configuration';
import { finetuneCommand } from './finetune';
import { infoCommand } from './info';
import { modelInfoCommand } from './model-info';
import { planCommand } from './plan';
import { predictCommand } from './predict';
import { preprocessCommand } from './preprocess';
import { resampleCommand } from './resample';

/** Every sub-command, in the order `tessera --help` lists them. */
export const commands: Command[] = [
  infoCommand,
  datasetCommand,
  convertCommand,
  planCommand,
  preprocessCommand,
  resampleCommand,
  modelInfoCommand,
  exportOnnxCommand,
  predictCommand,
  evaluateCommand,
  ensembleCommand,
  applyPostprocessingCommand,
  findBestConfigurationCommand,
  finetuneCommand,
  engineCheckCommand,
];
