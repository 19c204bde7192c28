"""PyTorch (CPU) reference timing for bench/train-step.bench.ts: the same tiny PlainConvUNet (nnU-Net's
3d_fullres_tiny architecture: features 8-16-32-64-64, kernels 3, strides 1,2,2,2,(1,2,2), two convs per
stage, InstanceNorm + LeakyReLU, deep supervision), soft Dice + CE with deep-supervision weights,
clip_grad_norm_(12), SGD Nesterov 0.99 - written with plain torch modules.

usage: python3 train_step_torch.py --patch 64 64 64 --batch 2 --steps 3 --threads 2  (prints JSON)
"""
import argparse
import json
import time

import torch
from torch import nn


def block(cin, cout, stride):
    return nn.Sequential(nn.Conv3d(cin, cout, 3, stride, 1), nn.InstanceNorm3d(cout, eps=1e-5, affine=True),
                         nn.LeakyReLU(0.01, inplace=True))


class TinyUNet(nn.Module):
    def __init__(self, cin=1, classes=5, feats=(8, 16, 32, 64, 64), strides=((1, 1, 1), (2, 2, 2), (2, 2, 2), (2, 2, 2), (1, 2, 2))):
        super().__init__()
        self.enc = nn.ModuleList()
        c = cin
        for f, s in zip(feats, strides):
            self.enc.append(nn.Sequential(block(c, f, s), block(f, f, 1)))
            c = f
        self.up, self.dec, self.seg = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for i in range(len(feats) - 1, 0, -1):
            self.up.append(nn.ConvTranspose3d(feats[i], feats[i - 1], strides[i], strides[i]))
            self.dec.append(nn.Sequential(block(2 * feats[i - 1], feats[i - 1], 1), block(feats[i - 1], feats[i - 1], 1)))
            self.seg.append(nn.Conv3d(feats[i - 1], classes, 1))

    def forward(self, x):
        skips = []
        for e in self.enc:
            x = e(x)
            skips.append(x)
        outs, x = [], skips[-1]
        for i, (u, d, s) in enumerate(zip(self.up, self.dec, self.seg)):
            x = d(torch.cat((u(x), skips[-(i + 2)]), 1))
            outs.append(s(x))
        return outs[::-1]


def dc_ce(logits, target, batch_dice=True, smooth=1e-5):
    ce = nn.functional.cross_entropy(logits, target[:, 0].long())
    p = torch.softmax(logits, 1)
    onehot = torch.zeros_like(p).scatter_(1, target.long(), 1)
    axes = (0, 2, 3, 4) if batch_dice else (2, 3, 4)
    inter = (p * onehot)[:, 1:].sum(axes)
    dc = (2 * inter + smooth) / (onehot[:, 1:].sum(axes) + p[:, 1:].sum(axes) + smooth).clamp_min(1e-8)
    return ce - dc.mean()


def main():
    a = argparse.ArgumentParser()
    a.add_argument('--patch', type=int, nargs=3, default=[64, 64, 64])
    a.add_argument('--batch', type=int, default=2)
    a.add_argument('--steps', type=int, default=3)
    a.add_argument('--threads', type=int, default=2)
    args = a.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = TinyUNet()
    opt = torch.optim.SGD(net.parameters(), 0.01, momentum=0.99, nesterov=True, weight_decay=3e-5)
    x = torch.randn(args.batch, 1, *args.patch)
    y = torch.randint(0, 5, (args.batch, 1, *args.patch)).float()
    w = [1 / 2 ** i for i in range(4)]
    w[-1] = 0
    w = [v / sum(w) for v in w]
    targets = [y] + [nn.functional.interpolate(y, scale_factor=s, mode='nearest-exact') for s in
                     [(0.5, 0.5, 0.5), (0.25, 0.25, 0.25), (0.125, 0.125, 0.125)]]
    times = []
    for i in range(args.steps + 1):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        outs = net(x)
        loss = sum(wi * dc_ce(o, t) for wi, o, t in zip(w, outs, targets) if wi != 0)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 12)
        opt.step()
        if i > 0:
            times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({'torch': torch.__version__, 'threads': args.threads, 'ms': times}))


if __name__ == '__main__':
    main()
