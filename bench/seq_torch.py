"""PyTorch CPU rival of bench/seq.ts: the same LSTM, GRU and TransformerEncoderLayer training
steps (forward + backward) at the same sizes and thread count; prints one JSON line of ms/step."""
import json
import sys
import time

import torch
import torch.nn as nn

threads = int(sys.argv[1])
torch.set_num_threads(threads)
torch.manual_seed(0)
L, N, I, H, REPS = 64, 32, 128, 256, 10


def timed(step):
    step()  # warm up
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(REPS):
            step()
        best = min(best, (time.perf_counter() - t0) / REPS * 1000)
    return best


def rnn_step(module):
    x = torch.randn(L, N, I)

    def step():
        module.zero_grad()
        out, _ = module(x)
        out.sum().backward()
    return step


enc = nn.TransformerEncoderLayer(H, 8, 4 * H, dropout=0.0, batch_first=True, norm_first=True)
src = torch.randn(N, L, H)
mask = nn.Transformer.generate_square_subsequent_mask(L)


def enc_step():
    enc.zero_grad()
    enc(src, src_mask=mask, is_causal=True).sum().backward()


print(json.dumps({"lstm": timed(rnn_step(nn.LSTM(I, H))), "gru": timed(rnn_step(nn.GRU(I, H))),
                  "encoder": timed(enc_step)}))
