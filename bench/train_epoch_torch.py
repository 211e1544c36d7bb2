#!/usr/bin/env python3
"""PyTorch CPU rival of bench/train_epoch.ts: one training epoch (Adam 1e-3; CrossEntropyLoss; batch
64 or --batch; shuffled) on the Fashion-MNIST training set, of the seed's MLP (784-256-10, ReLU;
--model mlp; other hidden sizes with --hidden 512,512) or examples/mnist_cnn.ts's CNN (--model
cnn); --limit N trains on the first N images only.

    python3 bench/train_epoch_torch.py --threads 2 [--model mlp|cnn] [--hidden 256] [--batch 64]
        [--limit N] [--epochs 3] [--root /usr/share/datasets/fashion-mnist] [--amp bf16] [--compile]

`--amp bf16|f16` runs forward and loss under torch.autocast("cpu", dtype) (no GradScaler).
`--compile` trains through `torch.compile` (Inductor, default mode): the model's forward with the
loss as one compiled function (its backward compiled by AOTAutograd); compilation happens in the
warm-up epoch. The Adam step stays eager (foreach): a `torch.compile`d `optimizer.step` measured
~4× slower per step on this 2-core machine (2026-12-02), so it would understate the rival.

Reads the same IDX .gz files (gzip + NumPy), normalises the same way ((x/255 - 0.2860)/0.3530), and
keeps all images in one [60000, 784] float32 tensor. Each batch is gathered with a shuffled index
(x[idx], as Axon's DataLoader gathers natively; torch.utils.data.DataLoader's per-sample collate
would be far slower). One warm-up epoch is not counted; an epoch's time covers the whole loop:
gather, forward, loss, zero_grad, backward, Adam step and loss.item() every batch. Prints one JSON
line: {"runtime", "threads", "samples", "batchSize", "epochSeconds", "samplesPerSec" (median),
"testAccuracy"}.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch

MEAN, STD = 0.2860, 0.3530


def read_idx(path, header):
    with gzip.open(path, "rb") as f:
        data = f.read()
    return np.frombuffer(data, dtype=np.uint8, offset=header)


def load(root, prefix):
    images = read_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz"), 16).reshape(-1, 784)
    labels = read_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz"), 8)
    x = (torch.from_numpy(images.astype(np.float32)) / 255 - MEAN) / STD
    return x.contiguous(), torch.from_numpy(labels.astype(np.int64))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--root", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--amp", choices=["bf16", "f16"], default=None)
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--hidden", default="256")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    BATCH = args.batch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x_train, y_train = load(args.root, "train")
    x_test, y_test = load(args.root, "t10k")
    if args.limit is not None:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    n = x_train.shape[0]
    shape = (-1, 784) if args.model == "mlp" else (-1, 1, 28, 28)
    x_train, x_test = x_train.reshape(shape), x_test.reshape(shape)

    amp_dtype = {"bf16": torch.bfloat16, "f16": torch.float16, None: None}[args.amp]
    nn = torch.nn
    if args.model == "mlp":
        sizes = [784] + [int(h) for h in args.hidden.split(",")] + [10]
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        model = nn.Sequential(*layers[:-1])
    else:
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def loss_of(inputs, targets):
        return loss_fn(model(inputs), targets)

    if args.compile:
        loss_of = torch.compile(loss_of)

    def epoch():
        model.train()
        start = time.perf_counter()
        order = torch.randperm(n)
        last = 0.0
        for b in range(0, n, BATCH):
            idx = order[b:b + BATCH]
            inputs, targets = x_train[idx], y_train[idx]
            if amp_dtype is None:
                loss = loss_of(inputs, targets)
            else:
                with torch.autocast("cpu", dtype=amp_dtype):
                    loss = loss_of(inputs, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            last = loss.item()
        seconds = time.perf_counter() - start
        if not np.isfinite(last):
            raise RuntimeError(f"loss became {last}")
        return seconds

    epoch()  # warm-up
    epoch_seconds = [epoch() for _ in range(args.epochs)]
    median = sorted(epoch_seconds)[len(epoch_seconds) // 2]

    model.eval()
    with torch.no_grad():
        with torch.autocast("cpu", dtype=amp_dtype or torch.bfloat16, enabled=amp_dtype is not None):
            correct = sum(int((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum())
                          for i in range(0, x_test.shape[0], 1000))

    print(json.dumps({
        "runtime": f"PyTorch {torch.__version__}" + (" torch.compile" if args.compile else ""),
        "model": args.model,
        "amp": args.amp,
        "threads": torch.get_num_threads(),
        "samples": n,
        "batchSize": BATCH,
        "epochSeconds": epoch_seconds,
        "samplesPerSec": n / median,
        "testAccuracy": 100 * correct / x_test.shape[0],
    }))


if __name__ == "__main__":
    main()
