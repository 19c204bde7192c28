import { writeFullResolutionCt } from '../../bench/scale-ct';

writeFullResolutionCt('../shared/data/volumes/ct/ts_example_ct.nii.gz', '/tmp/full/ct_0000.nii.gz').then(
  console.log,
);
