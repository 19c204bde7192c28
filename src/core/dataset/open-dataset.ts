/**
 * A raw dataset from any source: dataset.json parsed (legacy formats converted), cases discovered, and
 * the checks that need no image (numTraining, missing labels and channels, label declarations).
 */
import { TesseraError } from '../errors';
import { type ParsedDatasetJson, parseDatasetJson } from '../nnunet/dataset-json';
import { type DiscoveredDataset, discoverDataset, namesIn } from './discover';
import type { DatasetSource } from './source';
import { type DatasetProblem, verifyDatasetStructure } from './verify';

export interface OpenedDataset extends DiscoveredDataset {
  /** dataset.json as read; nnU-Net copies a v2 file verbatim */
  datasetJsonText: string;
  parsed: ParsedDatasetJson;
  problems: DatasetProblem[];
}

export async function openDataset(source: DatasetSource): Promise<OpenedDataset> {
  if (!source.list().includes('dataset.json'))
    throw new TesseraError('bad-dataset', source.name, 'has no dataset.json at its top level');
  const bytes = await source.read('dataset.json');
  const text = new TextDecoder('utf-8').decode(bytes);
  const parsed = parseDatasetJson(text, namesIn(source, 'imagesTr'));
  const discovered = discoverDataset(source, parsed);
  return { ...discovered, datasetJsonText: text, parsed, problems: verifyDatasetStructure(discovered) };
}
