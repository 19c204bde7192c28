import type { Command } from '../command';
import { exportOnnxCommand } from './export-onnx';
import { infoCommand } from './info';
import { modelInfoCommand } from './model-info';
import { planCommand } from './plan';

/** Every sub-command, in the order `tessera --help` lists them. */
export const commands: Command[] = [infoCommand, planCommand, modelInfoCommand, exportOnnxCommand];
