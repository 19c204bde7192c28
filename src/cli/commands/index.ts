import type { Command } from '../command';
import { engineCheckCommand } from './engine-check';
import { infoCommand } from './info';

/** Every sub-command, in the order `tessera --help` lists them. */
export const commands: Command[] = [infoCommand, engineCheckCommand];
