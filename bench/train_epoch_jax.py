#!/usr/bin/env python3
"""JAX (XLA, `jax.jit`) CPU rival of bench/train_epoch.ts: the same training epochs (Adam 1e-3 from
optax; cross-entropy; shuffled batches) of the same models, data and normalisation.

    python3 bench/train_epoch_jax.py --threads 2 [--model mlp|cnn] [--hidden 256] [--batch 64]
        [--limit N] [--epochs 3] [--root /usr/share/datasets/fashion-mnist]

- `--model mlp`: Linear(784, h1) → ReLU → … → Linear(h_last, 10) with `--hidden h1,h2,…` (default
  256: the seed's 784-256-10);
- `--model cnn`: examples/mnist_cnn.ts's network (Conv 1→32 3×3 pad 1, ReLU, max pool 2, Conv 32→64,
  ReLU, max pool 2, Dropout 0.25, Linear 3136→128, ReLU, Dropout 0.5, Linear 128→10).

Parameters start from PyTorch's default initialisation (U(±1/√fan_in) for weights and biases).
The whole step — batch gather from the device-resident training set, forward, loss, backward and
the Adam update — is one jitted XLA computation (what XLA is best at); `float(loss)` every batch
reads the loss back as the other trainers do. The last, shorter batch of an epoch is its own
compiled shape (the warm-up epoch compiles both).

Threads: XLA's CPU runtime sizes its thread pools from the CPUs the process may run on, so the
process is pinned to `--threads` CPUs (os.sched_setaffinity) before JAX is imported; "threads"
in the output is that count. Prints one JSON line like bench/train_epoch_torch.py.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np

MEAN, STD = 0.2860, 0.3530


def read_idx(path, header):
    with gzip.open(path, "rb") as f:
        data = f.read()
    return np.frombuffer(data, dtype=np.uint8, offset=header)


def load(root, prefix):
    images = read_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz"), 16).reshape(-1, 784)
    labels = read_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz"), 8)
    x = (images.astype(np.float32) / 255 - MEAN) / STD
    return x, labels.astype(np.int32)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--root", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--hidden", default="256")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()

    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < args.threads:
        raise SystemExit(f"--threads {args.threads}: only {len(cpus)} CPUs available")
    os.sched_setaffinity(0, cpus[:args.threads])
    os.environ.setdefault("JAX_PLATFORMS", "cpu")

    import jax
    import jax.numpy as jnp
    import optax

    batch = args.batch
    x_train, y_train = load(args.root, "train")
    x_test, y_test = load(args.root, "t10k")
    if args.limit is not None:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    n = x_train.shape[0]
    shape = (-1, 784) if args.model == "mlp" else (-1, 1, 28, 28)
    x_train, x_test = x_train.reshape(shape), x_test.reshape(shape)

    key = jax.random.PRNGKey(0)

    def uniform(key, shape, fan_in):
        bound = 1.0 / np.sqrt(fan_in)
        return jax.random.uniform(key, shape, jnp.float32, -bound, bound)

    def linear_init(key, n_in, n_out):
        k1, k2 = jax.random.split(key)
        return {"w": uniform(k1, (n_out, n_in), n_in), "b": uniform(k2, (n_out,), n_in)}

    def conv_init(key, c_in, c_out):
        k1, k2 = jax.random.split(key)
        fan_in = c_in * 9
        return {"w": uniform(k1, (c_out, c_in, 3, 3), fan_in), "b": uniform(k2, (c_out,), fan_in)}

    def linear(p, x):
        return x @ p["w"].T + p["b"]

    if args.model == "mlp":
        sizes = [784] + [int(h) for h in args.hidden.split(",")] + [10]
        keys = jax.random.split(key, len(sizes) - 1)
        params = [linear_init(k, a, b) for k, a, b in zip(keys, sizes[:-1], sizes[1:])]

        def forward(params, x, _key, _train):
            for p in params[:-1]:
                x = jax.nn.relu(linear(p, x))
            return linear(params[-1], x)
    else:
        k = jax.random.split(key, 4)
        params = [conv_init(k[0], 1, 32), conv_init(k[1], 32, 64), linear_init(k[2], 64 * 7 * 7, 128),
                  linear_init(k[3], 128, 10)]

        def conv(p, x):
            y = jax.lax.conv_general_dilated(x, p["w"], (1, 1), ((1, 1), (1, 1)),
                                             dimension_numbers=("NCHW", "OIHW", "NCHW"))
            return y + p["b"][None, :, None, None]

        def pool(x):
            return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

        def dropout(x, rate, key, train):
            if not train:
                return x
            keep = jax.random.bernoulli(key, 1 - rate, x.shape)
            return jnp.where(keep, x / (1 - rate), 0)

        def forward(params, x, key, train):
            k1, k2 = jax.random.split(key)
            x = pool(jax.nn.relu(conv(params[0], x)))
            x = pool(jax.nn.relu(conv(params[1], x)))
            x = dropout(x.reshape(x.shape[0], -1), 0.25, k1, train)
            x = dropout(jax.nn.relu(linear(params[2], x)), 0.5, k2, train)
            return linear(params[3], x)

    optimizer = optax.adam(1e-3)
    opt_state = optimizer.init(params)
    xs, ys = jnp.asarray(x_train), jnp.asarray(y_train)

    def loss_of(params, x, y, key):
        logits = forward(params, x, key, True)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    @jax.jit
    def step(params, opt_state, xs, ys, idx, key):
        loss, grads = jax.value_and_grad(loss_of)(params, xs[idx], ys[idx], key)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    @jax.jit
    def predict(params, x):
        return jnp.argmax(forward(params, x, key, False), axis=1)

    rng = np.random.default_rng(0)
    state = {"params": params, "opt": opt_state, "key": jax.random.PRNGKey(1)}

    def epoch():
        start = time.perf_counter()
        order = rng.permutation(n).astype(np.int32)
        last = 0.0
        for b in range(0, n, batch):
            state["key"], sub = jax.random.split(state["key"])
            state["params"], state["opt"], loss = step(state["params"], state["opt"], xs, ys, order[b:b + batch], sub)
            last = float(loss)
        seconds = time.perf_counter() - start
        if not np.isfinite(last):
            raise RuntimeError(f"loss became {last}")
        return seconds

    epoch()  # warm-up: compiles the step for the full and the last batch shapes
    epoch_seconds = [epoch() for _ in range(args.epochs)]
    median = sorted(epoch_seconds)[len(epoch_seconds) // 2]

    correct = sum(int((np.asarray(predict(state["params"], x_test[i:i + 1000])) == y_test[i:i + 1000]).sum())
                  for i in range(0, x_test.shape[0], 1000))

    print(json.dumps({
        "runtime": f"JAX {jax.__version__} jit",
        "model": args.model,
        "threads": len(os.sched_getaffinity(0)),
        "samples": n,
        "batchSize": batch,
        "epochSeconds": epoch_seconds,
        "samplesPerSec": n / median,
        "testAccuracy": 100 * correct / x_test.shape[0],
    }))


if __name__ == "__main__":
    main()
