import fs from 'node:fs';
import {
  estimatePredictionTime,
  networkMacsPerEvaluation,
  REFERENCE_SPEEDS,
} from '../../src/core/inference/estimate-time';

const i = JSON.parse(fs.readFileSync('/tmp/mi.json', 'utf8'));
const macs = networkMacsPerEvaluation(i.patch_size, i.features_per_stage, i.input_channels);
console.log(
  macs,
  i.num_outputs,
  estimatePredictionTime(
    {
      evaluations: 1,
      macsPerEvaluation: macs,
      scanVoxels: 469 * 388 * 224,
      classes: i.num_outputs,
      workers: 1,
    },
    REFERENCE_SPEEDS.wasm,
  ),
);
