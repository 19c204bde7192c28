import zlib from 'node:zlib';
import { describeError } from '../core/errors';
import { installPlatformCrc32 } from '../core/io/archive/crc32';
import type { CommandOutput } from './command';
import { commands } from './commands/index';

const consoleOutput: CommandOutput = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'tessera — nnU-Net v2 planning, preprocessing, inference and fine-tuning, the same core as the web app',
    '',
    'usage: tessera <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "run 'tessera <command> --help' for a command's options",
  ].join('\n');
}

/**
 * Dispatch argv to a command. Any failure is one line on stderr and exit code 2 (no stack trace unless
 * TESSERA_DEBUG is set), whatever threw it.
 */
export async function main(argv: string[], out: CommandOutput = consoleOutput): Promise<number> {
  // Node ≥ 20.15 has zlib's CRC-32 (checkpoints are CRC-checked as they are read)
  if (typeof zlib.crc32 === 'function') installPlatformCrc32((b, c) => zlib.crc32(b, c));
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out.stdout(`${help()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    out.stdout('tessera 0.1.0\n');
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    out.stderr(`tessera: unknown command '${name}' (run 'tessera --help')\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out.stdout(`usage: ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run(rest, out);
  } catch (e) {
    if (process.env.TESSERA_DEBUG && e instanceof Error) out.stderr(`${e.stack}\n`);
    const line = describeError(e).replace(/\s*\n\s*/g, ' ');
    // errors that already name the command (usage errors) are not prefixed twice
    out.stderr(`${line.startsWith(`tessera ${name}`) ? line : `tessera ${name}: ${line}`}\n`);
    return 2;
  }
}
