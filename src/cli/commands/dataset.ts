import path from 'node:path';
import { assembleDataset, type NamedFolder } from '../../core/dataset/assemble';
import { convertMsdDataset } from '../../core/dataset/convert-msd';
import { convertV1Dataset } from '../../core/dataset/convert-v1';
import { TesseraError } from '../../core/errors';
import type { Command, CommandOutput } from '../command';
import { parseCommandArgs } from '../command';
import { directorySink, directoryTree, folderNames } from '../node-file-tree';

const USAGE = `tessera dataset convert-msd <TaskNN_Name> -o <nnUNet_raw> [--overwrite-id N]
       tessera dataset convert-v1 <TaskNNN_Name> [DatasetNNN_Name] -o <nnUNet_raw>
       tessera dataset assemble --image <channel>=<dir> [--image …] [--label <name>=<dir> …]
                                --name Dataset<NNN>_<Name> -o <nnUNet_raw>
                                [--test-images [<channel>=]<dir> …] [--allow-missing-labels]

  convert-msd   nnUNetv2_convert_MSD_dataset: 4-D images split per modality, labels copied
  convert-v1    nnUNetv2_convert_old_nnUNet_dataset: an nnU-Net v1 task copied, dataset.json converted
  assemble      image folders (one per channel) + binary mask folders (one per label, later ones
                painted over earlier ones) → <case>_XXXX.nii.gz, uint8 <case>.nii.gz, dataset.json
  -o DIR        nnUNet_raw: the dataset is written to DIR/Dataset<NNN>_<Name>`;

function needOutput(o: string | undefined, sub: string): string {
  if (!o)
    throw new TesseraError('bad-argument', `tessera dataset ${sub}`, 'give the nnUNet_raw folder with -o');
  return o;
}

function taskName(dir: string): string {
  return path.basename(path.resolve(dir));
}

function progress(out: CommandOutput, verbose: boolean) {
  return (done: number, total: number, what: string) => {
    if (verbose && what) out.stderr(`[${done + 1}/${total}] ${what}\n`);
  };
}

async function namedFolders(specs: string[], flag: string): Promise<NamedFolder[]> {
  const out: NamedFolder[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0)
      throw new TesseraError(
        'bad-argument',
        flag,
        `expects <name>=<dir>, e.g. ${flag} CT=images/; got '${spec}'`,
      );
    out.push({ name: spec.slice(0, eq), tree: await directoryTree(spec.slice(eq + 1)) });
  }
  return out;
}

async function testFolders(specs: string[], channels: NamedFolder[]): Promise<NamedFolder[]> {
  if (specs.length === 1 && channels.length === 1 && !channels.some((c) => specs[0].startsWith(`${c.name}=`)))
    return [{ name: channels[0].name, tree: await directoryTree(specs[0]) }];
  return namedFolders(specs, '--test-images');
}

export const datasetCommand: Command = {
  name: 'dataset',
  summary: 'make an nnU-Net v2 raw dataset: convert an MSD or v1 task, or assemble image + mask folders',
  usage: USAGE,
  async run(argv, out) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseCommandArgs(`dataset ${sub ?? ''}`.trim(), rest, {
      output: { type: 'string', short: 'o' },
      'overwrite-id': { type: 'string' },
      image: { type: 'string', multiple: true },
      label: { type: 'string', multiple: true },
      name: { type: 'string' },
      'test-images': { type: 'string', multiple: true },
      'allow-missing-labels': { type: 'boolean' },
      verbose: { type: 'boolean' },
    });
    const onProgress = progress(out, values.verbose ?? false);
    if (sub === 'convert-msd' || sub === 'convert-v1') {
      if (positionals.length < 1 || positionals.length > (sub === 'convert-v1' ? 2 : 1))
        throw new TesseraError(
          'bad-argument',
          `tessera dataset ${sub}`,
          'give the task folder (and -o nnUNet_raw)',
        );
      const raw = needOutput(values.output, sub);
      const tree = await directoryTree(positionals[0]);
      const existing = await folderNames(raw);
      let result: { datasetName: string; files: string[] };
      if (sub === 'convert-msd') {
        const id = values['overwrite-id'];
        if (id !== undefined && !/^\d+$/.test(id))
          throw new TesseraError(
            'bad-argument',
            '--overwrite-id',
            `expects a dataset id (an integer); got '${id}'`,
          );
        result = await convertMsdDataset(tree, directorySink(raw), {
          taskName: taskName(positionals[0]),
          overwriteId: id === undefined ? undefined : Number(id),
          existing,
          onProgress,
        });
      } else {
        result = await convertV1Dataset(tree, directorySink(raw), {
          taskName: taskName(positionals[0]),
          datasetName: positionals[1],
          existing,
          onProgress,
        });
      }
      out.stdout(`${path.join(raw, result.datasetName)}: ${result.files.length} files\n`);
      return 0;
    }
    if (sub === 'assemble') {
      if (positionals.length)
        throw new TesseraError(
          'bad-argument',
          'tessera dataset assemble',
          `unexpected argument '${positionals[0]}'`,
        );
      const raw = needOutput(values.output, sub);
      if (!values.name)
        throw new TesseraError('bad-argument', 'tessera dataset assemble', 'give --name Dataset<NNN>_<Name>');
      const channels = await namedFolders(values.image ?? [], '--image');
      const input = {
        datasetName: values.name,
        channels,
        labels: await namedFolders(values.label ?? [], '--label'),
        testImages: values['test-images'] ? await testFolders(values['test-images'], channels) : undefined,
        allowMissingLabels: values['allow-missing-labels'] ?? false,
      };
      const result = await assembleDataset(input, directorySink(raw), {
        existing: await folderNames(raw),
        onProgress,
      });
      for (const p of result.plan.problems) out.stderr(`warning: ${p.file}: ${p.message}\n`);
      out.stdout(
        `${path.join(raw, result.datasetName)}: ${result.plan.cases.length} training cases, ${result.plan.testCases.length} test cases\n`,
      );
      return 0;
    }
    throw new TesseraError(
      'bad-argument',
      'tessera dataset',
      `expects convert-msd, convert-v1 or assemble; got '${sub ?? ''}' (see tessera dataset --help)`,
    );
  },
};
