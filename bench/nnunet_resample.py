"""Reference timing for bench/resample.bench.ts: nnU-Net's resample_data_or_seg_to_shape semantics written
directly against scipy / scikit-image (the libraries nnU-Net calls), so the bench needs no nnU-Net install.

usage: python3 nnunet_resample.py <in.npy> <out.npy> <new_z,new_y,new_x> <order> <order_z> <axis|none> <seg 0|1> <repeats>
prints the best wall time in seconds on the last line.
"""
import sys
import time

import numpy as np
from scipy.ndimage import map_coordinates
from skimage.transform import resize


def resize_image(img, shape, order):
    return resize(img, shape, order, mode='edge', anti_aliasing=False)


def resize_labels(seg, shape, order):
    out = np.zeros(shape, dtype=seg.dtype)
    for label in np.unique(seg):
        mask = resize((seg == label).astype(float), shape, order, mode='edge', clip=True, anti_aliasing=False)
        out[mask >= 0.5] = label
    return out


def resample(data, new_shape, order, order_z, axis, is_seg, dtype=None):
    """(c, z, y, x) → (c, *new_shape) in `dtype` (default: float32 images, int16 labels), float64 work."""
    fn = resize_labels if is_seg else resize_image
    data = data.astype(float)
    shape = np.array(data[0].shape)
    new_shape = np.array(new_shape)
    out = np.zeros((data.shape[0], *new_shape), dtype=dtype or (np.int16 if is_seg else np.float32))
    for c in range(data.shape[0]):
        if axis is None:
            out[c] = fn(data[c], new_shape, order)
            continue
        plane = [a for a in range(3) if a != axis]
        tmp = new_shape.copy()
        tmp[axis] = shape[axis]
        inplane = np.zeros(tmp)
        for s in range(shape[axis]):
            idx = [slice(None)] * 3
            idx[axis] = s
            inplane[tuple(idx)] = fn(data[c][tuple(idx)], new_shape[plane], order)
        if shape[axis] == new_shape[axis]:
            out[c] = inplane
            continue
        grids = np.mgrid[: new_shape[0], : new_shape[1], : new_shape[2]].astype(float)
        for a in range(3):
            scale = float(inplane.shape[a]) / new_shape[a]
            grids[a] = scale * (grids[a] + 0.5) - 0.5
        if not is_seg or order_z == 0:
            out[c] = map_coordinates(inplane, grids, order=order_z, mode='nearest')
        else:
            for label in np.sort(np.unique(inplane)):
                m = map_coordinates((inplane == label).astype(float), grids, order=order_z, mode='nearest')
                out[c][np.round(m) > 0.5] = label
    return out


def main():
    src, dst, shape, order, order_z, axis, seg, repeats = sys.argv[1:9]
    data = np.load(src)
    new_shape = [int(s) for s in shape.split(',')]
    axis = None if axis == 'none' else int(axis)
    best = float('inf')
    for _ in range(int(repeats)):
        t = time.perf_counter()
        out = resample(data, new_shape, int(order), int(order_z), axis, seg == '1')
        best = min(best, time.perf_counter() - t)
    np.save(dst, out)
    print(f'{best:.4f}')


if __name__ == '__main__':
    main()
