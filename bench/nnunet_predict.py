#!/usr/bin/env python3
"""
nnU-Net v2's own predictor as `nnUNetv2_predict` runs it (nnUNetPredictor.predict_from_files: a
preprocessing worker, sliding window, an export worker), for timing against `tessera predict`:

    NNUNET_SRC=/path/with/nnUNet,... nnUNet_def_n_proc=2 OMP_NUM_THREADS=2 \
        /usr/bin/python3 bench/nnunet_predict.py -i IN_DIR -o OUT_DIR -m RESULTS_FOLDER [-f 0] [--disable-tta]

One preprocessing and one export process (-npp 1 -nps 1), torch on the CPU. The import stubs and the trainer
stand-in are those of scripts/fixtures/inference_reference.py.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts', 'fixtures'))
import inference_reference as ir  # noqa: E402

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('-i', required=True)
    ap.add_argument('-o', required=True)
    ap.add_argument('-m', required=True)
    ap.add_argument('-f', nargs='+', default=['0'])
    ap.add_argument('--disable-tta', action='store_true')
    ap.add_argument('--step-size', type=float, default=0.5)
    a = ap.parse_args()
    folds = [f if f == 'all' else int(f) for f in a.f]
    ir.nnunet_predict(a.m, folds, a.i, a.o, mirror=not a.disable_tta, step=a.step_size, save_probabilities=False)
