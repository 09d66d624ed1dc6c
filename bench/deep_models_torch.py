"""PyTorch column of bench/deep-models.bench.ts: the same three LSTM models, same shapes, trained
on one thread (torch.set_num_threads(1)) with Adam on random data; prints one JSON line per model
with its windows per CPU-second (time.process_time) for each round.

Reads the models' specs as JSON on stdin (written by the bench from experiments/*.json).
Differences from the tfjs models, none of which changes the work much: PyTorch's LSTM has sigmoid
gates (tfjs's default is hard sigmoid) and two bias vectors; the attention model's loss is plain
binary cross-entropy (the workbench's risk-aware loss is a weighted one of the same size).
"""
import json
import sys
import time

import torch
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)


class Classifier(nn.Module):
    """Seed 000: LSTM stack (+ dropout, batch norm), dense ReLU layer, sigmoid output."""

    def __init__(self, s):
        super().__init__()
        self.lstms = nn.ModuleList()
        self.norms = nn.ModuleList()
        inp = s["features"]
        for u in s["units"]:
            self.lstms.append(nn.LSTM(inp, u, batch_first=True))
            self.norms.append(nn.BatchNorm1d(u) if s["batchNorm"] else nn.Identity())
            inp = u
        self.drop = nn.Dropout(s["dropout"])
        self.dense = nn.Linear(inp, s["denseUnits"]) if s["denseUnits"] > 0 else None
        self.dense_drop = nn.Dropout(s["denseDropout"])
        self.out = nn.Linear(s["denseUnits"] or inp, 1)

    def forward(self, x):
        for i, (lstm, norm) in enumerate(zip(self.lstms, self.norms)):
            x, _ = lstm(x)
            last = i == len(self.lstms) - 1
            if last:
                x = x[:, -1, :]
            x = self.drop(x)
            # Keras normalises the last axis: channels are features at every step.
            x = norm(x) if last else norm(x.transpose(1, 2)).transpose(1, 2)
        if self.dense is not None:
            x = self.dense_drop(torch.relu(self.dense(x)))
        return torch.sigmoid(self.out(x))


class Autoencoder(nn.Module):
    """Seed 001: LSTM encoder to a bottleneck, repeated over the window, mirrored decoder, per-step dense."""

    def __init__(self, s):
        super().__init__()
        units = s["units"]
        self.window = s["window"]
        dims = [s["features"], *units]
        self.enc = nn.ModuleList(nn.LSTM(dims[i], dims[i + 1], batch_first=True) for i in range(len(units)))
        rev = [units[-1], *reversed(units)]
        self.dec = nn.ModuleList(nn.LSTM(rev[i], rev[i + 1], batch_first=True) for i in range(len(units)))
        self.drop = nn.Dropout(s["dropout"])
        self.out = nn.Linear(units[0], s["features"])

    def forward(self, x):
        for i, lstm in enumerate(self.enc):
            x, _ = lstm(x)
            if i < len(self.enc) - 1:
                x = self.drop(x)
        x = x[:, -1:, :].repeat(1, self.window, 1)
        for lstm in self.dec:
            x, _ = lstm(x)
            x = self.drop(x)
        return self.out(x)


class Attention(nn.Module):
    """Seed 004: LSTM stack, multi-head self-attention, average pooling, one sigmoid per horizon."""

    def __init__(self, s):
        super().__init__()
        dims = [s["features"], *s["lstmUnits"]]
        self.lstms = nn.ModuleList(nn.LSTM(dims[i], dims[i + 1], batch_first=True) for i in range(len(s["lstmUnits"])))
        self.drop = nn.Dropout(s["dropout"])
        d = dims[-1]
        inner = s["heads"] * s["keyDim"]
        self.q, self.k, self.v = (nn.Linear(d, inner) for _ in range(3))
        self.o = nn.Linear(inner, d)
        self.heads, self.key_dim = s["heads"], s["keyDim"]
        self.attn_drop = nn.Dropout(s["dropout"])
        self.head = nn.Linear(d, s["horizons"])

    def forward(self, x):
        for lstm in self.lstms:
            x, _ = lstm(x)
            x = self.drop(x)
        b, t, _ = x.shape
        split = lambda z: z.view(b, t, self.heads, self.key_dim).transpose(1, 2)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        w = self.attn_drop(torch.softmax(q @ k.transpose(-1, -2) / self.key_dim**0.5, dim=-1))
        x = self.o((w @ v).transpose(1, 2).reshape(b, t, -1))
        x = self.drop(x.mean(dim=1))
        return torch.sigmoid(self.head(x))


def case(s):
    b, w, f = s["batch"], s["window"], s["features"]
    x = torch.randn(b, w, f)
    if s["name"] == "classifier":
        return Classifier(s), x, (torch.rand(b, 1) > 0.9).float(), nn.BCELoss()
    if s["name"] == "autoencoder":
        return Autoencoder(s), x, x, nn.MSELoss()
    return Attention(s), x, (torch.rand(b, s["horizons"]) > 0.9).float(), nn.BCELoss()


def blas_library():
    """The BLAS this process loaded (Debian's torch calls whichever libblas.so.3 the alternatives
    system points at: the reference BLAS is ~5x slower than OpenBLAS for these models)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
        return ", ".join(sorted(paths)) or "none found"
    except OSError:
        return "unknown"


def main():
    for s in json.load(sys.stdin):
        model, x, y, loss_fn = case(s)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        model.train()

        def step():
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()

        step()  # warm-up
        rates = []
        for _ in range(s["rounds"]):
            t0 = time.process_time()
            for _ in range(s["steps"]):
                step()
            rates.append(s["steps"] * s["batch"] / (time.process_time() - t0))
        print(json.dumps({"name": s["name"], "perRound": rates, "torch": torch.__version__, "blas": blas_library()}), flush=True)


if __name__ == "__main__":
    main()
