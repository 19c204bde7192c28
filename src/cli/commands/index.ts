import type { Command } from '../command';
import { infoCommand } from './info';
import { preprocessCommand } from './preprocess';
import { resampleCommand } from './resample';

/** Every sub-command, in the order `tessera --help` lists them. */
export const commands: Command[] = [infoCommand, resampleCommand, preprocessCommand];
