import type { Command } from '../command';
import { infoCommand } from './info';
import { planCommand } from './plan';

/** Every sub-command, in the order `tessera --help` lists them. */
export const commands: Command[] = [infoCommand, planCommand];
