"""What a user would otherwise run: the subnet that bench/pytorch_bench.cpp exported (final.h5
layout: models/0/state_dict and models/0/blocks, plus bench/ images and reference logits),
rebuilt as a plain eager PyTorch module and timed the way PyTorch users write it:
  eval        model.eval(), torch.inference_mode(), conv + BN modules, batch --eval-batch
  eval-quant  the same with torch.fake_quantize_per_channel_affine (weights) and
              torch.fake_quantize_per_tensor_affine (activations) at the exported policy's bits
  bn          BN re-calibration: reset running stats, cumulative averages (momentum None), train
              mode under no_grad, batch --bn-batch
  finetune    QAT steps: learnable activation ranges (torch._fake_quantize_learnable_per_tensor_affine),
              straight-through weight fake-quant, Nesterov SGD, cross-entropy, batch --batch
In PyTorch's default layout (NCHW), or with --channels-last the model and images in
channels_last, as a tuned user would. Prints one "pytorch <name> <images/s>" line per figure and
"check ..." lines comparing its logits with the C++ ones. A baseline for bench/, not part of the product.
Usage: pytorch_baseline.py FILE --threads T --stem-stride S [--seconds 4] [--steps 20] ..."""
import argparse
import time

import h5py
import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("file")
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--stem-stride", type=int, default=2)
parser.add_argument("--seconds", type=float, default=4.0)
parser.add_argument("--eval-batch", type=int, default=500)
parser.add_argument("--bn-batch", type=int, default=250)
parser.add_argument("--bn-images", type=int, default=500)
parser.add_argument("--steps", type=int, default=20)
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--channels-last", action="store_true")
args = parser.parse_args()
torch.set_num_threads(args.threads)


class QConv(nn.Module):
    """A conv (or linear) whose input and weights are fake-quantized with torch's own ops."""

    def __init__(self, layer, w_bits, a_bits, signed_input, alpha):
        super().__init__()
        self.layer, self.w_bits, self.a_bits, self.signed = layer, w_bits, a_bits, signed_input
        self.alpha = nn.Parameter(torch.tensor([float(alpha)]))
        self.quantize = False

    def forward(self, x):
        if not self.quantize:
            return self.layer(x)
        levels = 2 ** (self.a_bits - 1) - 1 if self.signed else 2 ** self.a_bits - 1
        qmin = -levels if self.signed else 0
        scale = self.alpha / levels
        if self.training:
            x = torch._fake_quantize_learnable_per_tensor_affine(x, scale, torch.zeros(1), qmin, levels, 1.0)
        else:
            x = torch.fake_quantize_per_tensor_affine(x, float(scale), 0, qmin, levels)
        w = self.layer.weight
        w_levels = 2 ** (self.w_bits - 1) - 1
        w_scale = (w.detach().abs().flatten(1).amax(1) / w_levels).clamp_min(1e-12)
        wq = torch.fake_quantize_per_channel_affine(w, w_scale, torch.zeros(w.shape[0], dtype=torch.int32), 0,
                                                    -w_levels, w_levels)
        if isinstance(self.layer, nn.Linear):
            return F.linear(x, wq, self.layer.bias)
        c = self.layer
        return F.conv2d(x, wq, None, c.stride, c.padding, c.dilation, c.groups)


def conv(cin, cout, k, stride, groups):
    return nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False)


class Block(nn.Module):
    def __init__(self, row, bits):
        super().__init__()
        (slot, stage, k, cin, mid, cout, stride, residual, pw_w, pw_a, dw_w, dw_a) = row
        self.residual = bool(residual)
        self.expand = QConv(conv(cin, mid, 1, 1, 1), pw_w, pw_a, True, 6.0)
        self.expand_bn = nn.BatchNorm2d(mid)
        self.dw = QConv(conv(mid, mid, k, stride, mid), dw_w, dw_a, False, 6.0)
        self.dw_bn = nn.BatchNorm2d(mid)
        self.project = QConv(conv(mid, cout, 1, 1, 1), pw_w, pw_a, False, 6.0)
        self.project_bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        h = F.relu6(self.expand_bn(self.expand(x)))
        h = F.relu6(self.dw_bn(self.dw(h)))
        h = self.project_bn(self.project(h))
        return h + x if self.residual else h


class Net(nn.Module):
    def __init__(self, state, blocks, stem_stride):
        super().__init__()
        stem = state["stem_conv.conv.weight"].shape
        first_pw = state["first_pw.conv.weight"].shape
        head = state["head_conv.conv.weight"].shape
        classes = state["classifier.linear.weight"].shape[0]
        self.stem_conv = QConv(conv(stem[1], stem[0], 3, stem_stride, 1), 8, 8, True, 6.0)
        self.stem_bn = nn.BatchNorm2d(stem[0])
        self.first_dw = QConv(conv(stem[0], stem[0], 3, 1, stem[0]), 8, 8, False, 6.0)
        self.first_dw_bn = nn.BatchNorm2d(stem[0])
        self.first_pw = QConv(conv(stem[0], first_pw[0], 1, 1, 1), 8, 8, False, 6.0)
        self.first_pw_bn = nn.BatchNorm2d(first_pw[0])
        self.blocks = nn.ModuleList(Block(row, None) for row in blocks)
        self.head_conv = QConv(conv(head[1], head[0], 1, 1, 1), 8, 8, True, 6.0)
        self.head_bn = nn.BatchNorm2d(head[0])
        self.classifier = QConv(nn.Linear(head[0], classes), 8, 8, False, 6.0)

    def forward(self, x):
        x = F.relu6(self.stem_bn(self.stem_conv(x)))
        x = F.relu6(self.first_dw_bn(self.first_dw(x)))
        x = self.first_pw_bn(self.first_pw(x))
        for b in self.blocks:
            x = b(x)
        x = F.relu6(self.head_bn(self.head_conv(x)))
        return self.classifier(x.mean((2, 3)))

    def set_quantize(self, on):
        for m in self.modules():
            if isinstance(m, QConv):
                m.quantize = on


with h5py.File(args.file, "r") as f:
    model = f["models/0"]
    state = {name: torch.as_tensor(t[()]) for name, t in model["state_dict"].items()}
    blocks = [row.tolist() for row in model["blocks"][()]]
    images = torch.from_numpy(f["bench/images"][()])
    labels = torch.from_numpy(f["bench/labels"][()]).long()
    reference = torch.from_numpy(f["bench/logits"][()])
    reference_quant = torch.from_numpy(f["bench/logits_quantized"][()])

net = Net(state, blocks, args.stem_stride)
own = net.state_dict()
for name, tensor in state.items():
    key = name.replace(".conv.weight", ".layer.weight").replace("classifier.linear.", "classifier.layer.")
    key = key.replace(".input.alpha", ".alpha")
    own[key].copy_(tensor.reshape(own[key].shape))
net.load_state_dict(own)
net.eval()


def images_per_second(run, images_per_pass):
    run()  # warm-up
    speeds = []
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds or len(speeds) < 3:
        t = time.perf_counter()
        run()
        speeds.append(images_per_pass / (time.perf_counter() - t))
    return sorted(speeds)[len(speeds) // 2]


def evaluate():
    with torch.inference_mode():
        for begin in range(0, len(images), args.eval_batch):
            net(images[begin:begin + args.eval_batch]).argmax(1)


n_ref = len(reference)
with torch.inference_mode():
    net.set_quantize(False)
    print(f"check float logits max |diff| vs C++ {float((net(images[:n_ref]) - reference).abs().max()):.2e}")
    net.set_quantize(True)
    q = net(images[:n_ref])
    print(f"check quantized argmax agreement with C++ {float((q.argmax(1) == reference_quant.argmax(1)).float().mean()):.3f}")


def measure_all(suffix):
    net.set_quantize(False)
    print(f"pytorch eval{suffix} {images_per_second(evaluate, len(images)):.1f}")
    net.set_quantize(True)
    print(f"pytorch eval-quant{suffix} {images_per_second(evaluate, len(images)):.1f}")
    net.set_quantize(False)

    bn_images = images[:args.bn_images]

    def recalibrate():
        net.train()
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None  # cumulative average
        with torch.no_grad():
            for begin in range(0, len(bn_images), args.bn_batch):
                net(bn_images[begin:begin + args.bn_batch])
        net.eval()

    print(f"pytorch bn{suffix} {images_per_second(recalibrate, len(bn_images)):.1f}")

    net.set_quantize(True)
    decay = [p for n, p in net.named_parameters() if p.dim() >= 2]
    other = [p for n, p in net.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.SGD([{"params": decay, "weight_decay": 4e-5}, {"params": other, "weight_decay": 0.0}],
                                lr=0.005, momentum=0.9, nesterov=True)
    generator = torch.Generator().manual_seed(1)

    def finetune():
        net.train()
        for _ in range(args.steps):
            pick = torch.randint(0, len(images), (args.batch,), generator=generator)
            optimizer.zero_grad()
            loss = F.cross_entropy(net(images[pick]), labels[pick])
            loss.backward()
            optimizer.step()
        net.eval()

    print(f"pytorch finetune{suffix} {images_per_second(finetune, args.steps * args.batch):.1f}")


if args.channels_last:
    net.to(memory_format=torch.channels_last)
    images = images.contiguous(memory_format=torch.channels_last)
measure_all("")
