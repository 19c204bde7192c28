import path from 'node:path';
import { runFixture } from '../../core/engine/fixture';
import { TesseraError } from '../../core/errors';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { readFileBytes } from '../node-files';
import { openBackend, parseBackendChoice } from '../node-gpu';

export const engineCheckCommand: Command = {
  name: 'engine-check',
  summary:
    'run a training-step fixture (manifest.json + .npy, two SGD steps) on the engine and print its agreement as JSON',
  usage: 'tessera engine-check <fixture_dir> [--backend cpu|webgpu|auto]',
  async run(argv, out) {
    const { values, positionals } = parseCommandArgs('engine-check', argv, {
      backend: { type: 'string' },
    });
    if (positionals.length !== 1)
      throw new TesseraError('bad-argument', 'tessera engine-check', 'give exactly one fixture directory');
    const dir = positionals[0];
    const choice = parseBackendChoice(values.backend ?? 'cpu', 'engine-check');
    const opened = await openBackend(choice, out.stderr);
    if ('reexec' in opened) return opened.reexec;
    const be = opened.backend;
    try {
      const report = await runFixture(be, (f) => readFileBytes(path.join(dir, f)), dir);
      out.stdout(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    } finally {
      be.dispose();
    }
  },
};
