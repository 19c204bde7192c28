import type { Command } from '../command';
import { convertCommand } from './convert';
import { engineCheckCommand } from './engine-check';
import { exportOnnxCommand } from './export-onnx';
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
  convertCommand,
  planCommand,
  preprocessCommand,
  resampleCommand,
  modelInfoCommand,
  exportOnnxCommand,
  predictCommand,
  finetuneCommand,
  engineCheckCommand,
];
