#!/usr/bin/python3
"""Writes random EmbeddingBag case directories plus PyTorch's own results.

Usage: torch_crosscheck.py OUT_DIR [COUNT] [SEED]

For each case OUT_DIR/caseK/ holds case.json and the .npy inputs (the tcast
case-directory format, docs/MODEL.md) and expected/ with torch's results:
output.npy (F.embedding_bag forward), grad_weight.npy (dense weight gradient
from autograd) and, with an optimizer, weight_updated.npy and
optimizer_state_updated.npy from torch.optim (sgd, adagrad) or a NumPy fp32
rendering of FBGEMM's CPU rowwise Adagrad. Used by test/model/torch.test.ts,
which is skipped when torch is not installed.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    rng = np.random.default_rng(seed)
    torch.set_num_threads(1)
    for k in range(count):
        d = os.path.join(out, f"case{k}")
        os.makedirs(os.path.join(d, "expected"), exist_ok=True)
        mode = ["sum", "mean", "max"][k % 3]
        rows = int(rng.integers(1, 12))
        dim = int(rng.integers(1, 6))
        B = int(rng.integers(1, 7))
        sizes = rng.integers(0, 6, size=B)
        n = int(sizes.sum())
        # Repeated rows: draw from a small range most of the time.
        indices = rng.integers(0, rows, size=n)
        idx_dtype = np.int64 if k % 2 == 0 else np.int32
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(idx_dtype)
        ilo = bool(k % 4 == 1)
        if ilo:
            offsets = np.concatenate([offsets, [n]]).astype(idx_dtype)
        padding_idx = None
        if k % 5 in (2, 3):
            padding_idx = int(rng.integers(-rows, rows))
        weight = rng.standard_normal((rows, dim)).astype(np.float32)
        if k % 6 == 5:
            weight[rng.integers(0, rows), rng.integers(0, dim)] = weight[0, 0]  # ties
        if k % 7 == 3:
            weight[rng.integers(0, rows), rng.integers(0, dim)] = np.nan  # NaN propagation (max: first-wins rule)
        psw = None
        if mode == "sum" and k % 2 == 1:
            psw = rng.standard_normal(n).astype(np.float32)
        grad_out = rng.standard_normal((B, dim)).astype(np.float32)
        opt = [None, {"kind": "sgd", "lr": 0.1}, {"kind": "adagrad", "lr": 0.05, "eps": 1e-8},
               {"kind": "rowwise_adagrad", "lr": 0.05, "eps": 1e-8}][k % 4]
        state = None
        if opt is not None and opt["kind"] == "adagrad":
            state = rng.random((rows, dim)).astype(np.float32)
        if opt is not None and opt["kind"] == "rowwise_adagrad":
            state = rng.random(rows).astype(np.float32)

        with open(os.path.join(d, "case.json"), "w") as f:
            json.dump({"mode": mode, "include_last_offset": ilo, "padding_idx": padding_idx, "optimizer": opt}, f)
        np.save(os.path.join(d, "weight.npy"), weight)
        np.save(os.path.join(d, "indices.npy"), indices.astype(idx_dtype))
        np.save(os.path.join(d, "offsets.npy"), offsets)
        np.save(os.path.join(d, "grad_output.npy"), grad_out)
        if psw is not None:
            np.save(os.path.join(d, "per_sample_weights.npy"), psw)
        if state is not None:
            np.save(os.path.join(d, "optimizer_state.npy"), state)

        w = torch.tensor(weight, requires_grad=True)
        o = F.embedding_bag(torch.tensor(indices.astype(idx_dtype)), w, torch.tensor(offsets), mode=mode,
                            per_sample_weights=None if psw is None else torch.tensor(psw),
                            include_last_offset=ilo, padding_idx=padding_idx)
        o.backward(torch.tensor(grad_out))
        e = os.path.join(d, "expected")
        np.save(os.path.join(e, "output.npy"), o.detach().numpy())
        gw = w.grad.numpy().astype(np.float32)
        np.save(os.path.join(e, "grad_weight.npy"), gw)
        meta = {"has_psw": psw is not None, "padding_idx": padding_idx}
        if opt is not None:
            gwt = torch.tensor(gw)
            p = torch.nn.Parameter(torch.tensor(weight))
            if opt["kind"] == "sgd":
                o2 = torch.optim.SGD([p], lr=opt["lr"])
                p.grad = gwt
                o2.step()
                np.save(os.path.join(e, "weight_updated.npy"), p.detach().numpy())
            elif opt["kind"] == "adagrad":
                o2 = torch.optim.Adagrad([p], lr=opt["lr"], eps=opt["eps"], initial_accumulator_value=0.0)
                o2.state[p]["sum"] = torch.tensor(state)
                o2.state[p]["step"] = torch.tensor(0.0)
                p.grad = gwt
                o2.step()
                np.save(os.path.join(e, "weight_updated.npy"), p.detach().numpy())
                np.save(os.path.join(e, "optimizer_state_updated.npy"), o2.state[p]["sum"].numpy())
            else:
                # FBGEMM CPU rowwise Adagrad (split_weight_update_cpu), float32 throughout,
                # applied to the rows that appear in the batch (non-padding lookups).
                touched = sorted({int(r) for r in indices if padding_idx is None or r != (padding_idx % rows)})
                wu = weight.copy()
                su = state.copy()
                f = np.float32
                for r in touched:
                    g = gw[r]
                    s = f(0)
                    for x in g:
                        s = f(s + f(x * x))
                    m = f(su[r] + f(s / f(dim)))
                    su[r] = m
                    mult = f(f(opt["lr"]) / f(f(np.sqrt(m)) + f(opt["eps"])))
                    wu[r] = (wu[r] - (g * mult).astype(np.float32)).astype(np.float32)
                np.save(os.path.join(e, "weight_updated.npy"), wu)
                np.save(os.path.join(e, "optimizer_state_updated.npy"), su)
        with open(os.path.join(e, "meta.json"), "w") as f:
            json.dump(meta, f)
    print(f"wrote {count} cases to {out} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
