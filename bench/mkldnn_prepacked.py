"""mkldnn_prepacked.py: does mkldnn's prepacked convolution (weights reordered once, ReLU fused)
beat F.conv2d + clamp_ on an MBv2-like stack of the quick space? One thread, batch 500, Debian's
python3-torch; prints images/s of each way, three rounds, in one run (issue #19, docs/STATUS.md)."""
import torch, time, torch.nn.functional as F
torch.manual_seed(0); torch.set_num_threads(1)
N = 500
layers = []  # (cin, cout, k, stride, groups, act)
c = 16; layers.append((1, c, 3, 1, 1, True))
for width, stride in [(24, 2), (32, 2), (48, 2), (64, 1)]:
    for d in range(3):
        s = stride if d == 0 else 1
        mid = c * 4
        layers += [(c, mid, 1, 1, 1, True), (mid, mid, 5, s, mid, True), (mid, width, 1, 1, 1, False)]
        c = width
params = [(torch.randn(co, ci // g, k, k) * 0.1, torch.randn(co) * 0.1) for ci, co, k, s, g, a in layers]
x = torch.randn(N, 1, 28, 28)

def plain(x):
    for (ci, co, k, s, g, a), (w, b) in zip(layers, params):
        x = F.conv2d(x, w, b, s, k // 2, 1, g)
        if a: x.clamp_(0, 6)
    return x

def shapes():
    out, h = [], 28
    for (ci, co, k, s, g, a) in layers:
        out.append([N, ci, h, h]); h = (h + 2 * (k // 2) - k) // s + 1
    return out
ctx_relu = [torch.ops.mkldnn_prepacked.conv2d_prepack(w, b, [s, s], [k // 2, k // 2], [1, 1], g, sh, "relu" if a else "none")
            for (ci, co, k, s, g, a), (w, b), sh in zip(layers, params, shapes())]
ctx_none = [torch.ops.mkldnn_prepacked.conv2d_prepack(w, b, [s, s], [k // 2, k // 2], [1, 1], g, sh, "none")
            for (ci, co, k, s, g, a), (w, b), sh in zip(layers, params, shapes())]
def pre_relu(x):
    for (ci, co, k, s, g, a), ctx in zip(layers, ctx_relu):
        x = torch.ops.mkldnn_prepacked.conv2d_run(x, ctx)
        if a: x.clamp_max_(6)
    return x
def pre_none(x):
    for (ci, co, k, s, g, a), ctx in zip(layers, ctx_none):
        x = torch.ops.mkldnn_prepacked.conv2d_run(x, ctx)
        if a: x.clamp_(0, 6)
    return x
def pre_noclamp(x):  # the ceiling: no activation pass at all (wrong values)
    for (ci, co, k, s, g, a), ctx in zip(layers, ctx_none):
        x = torch.ops.mkldnn_prepacked.conv2d_run(x, ctx)
    return x
with torch.inference_mode():
    ref = plain(x)
    print("max diff relu-fused", float((pre_relu(x) - ref).abs().max()), "none", float((pre_none(x) - ref).abs().max()))
    for rep in range(3):
        for name, f in [("plain conv2d + clamp_", plain), ("prepacked relu + clamp_max_", pre_relu), ("prepacked + clamp_", pre_none), ("prepacked, no activation", pre_noclamp)]:
            f(x); t = time.perf_counter(); n = 0
            while time.perf_counter() - t < 3: f(x); n += 1
            print(f"{name:30s} {n * N / (time.perf_counter() - t):8.0f} img/s")
