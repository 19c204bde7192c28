import { type ParseArgsConfig, parseArgs } from 'node:util';
import { TesseraError } from '../core/errors';

/** One `tessera <name>` sub-command. Each lives in its own file under commands/. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], out: CommandOutput): Promise<number>;
}

export interface CommandOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** node:util parseArgs with usage errors as TesseraErrors (exit 2, one line). */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = true,
) {
  // nnU-Net's multi-letter flag (-chk checkpoint_latest.pth), which parseArgs cannot declare as a short one.
  const args = 'checkpoint' in options ? argv.map((a) => (a === '-chk' ? '--checkpoint' : a)) : argv;
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new TesseraError('bad-argument', `tessera ${command}`, (e as Error).message.split('\n')[0]);
  }
}
