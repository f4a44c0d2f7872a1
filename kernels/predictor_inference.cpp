// Batched inference of the predictor. The hidden layers are single-precision GEMMs through ATen
// (OpenBLAS here; as fast as calling cblas directly: measured 97 vs 92 GFLOP/s for 100x400x400 on
// one core). The first layer never multiplies the mostly-zero one-hot inputs: it adds the weight
// rows of the hot positions (Encoding::arch_hot/policy_hot). Done naively (per candidate, whole
// rows) that is memory-bound: ~90 rows of 1.6 KB from a 600 KB table per candidate cost more than
// the GEMMs (measured 9.7 us of 17.7 us per candidate). So the table is stored in column tiles of
// 16 floats: one tile of every row is 64 B x features (24 KB for the APQ-size space) and stays in
// L1 while every candidate of the batch sums its rows for that tile in one vector register.
// InferencePrecision::bf16 runs the hidden GEMMs in bfloat16 with fp32 accumulation (oneDNN):
// 192 vs 93 GFLOP/s for 100x400x400 on this AVX512-BF16 core.
// Only per-operator ATen headers are included, to keep builds short.
#include <ATen/core/Tensor.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/mm.h>

#include <cstdint>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "kernels/predictor.hpp"

namespace apq {
namespace {

constexpr int kChunk = 128;  // candidates per pass: activations stay in L2
constexpr int kLanes = 16;   // floats per column tile (one AVX-512 register, one cache line)

void check_weights(const Encoding& encoding, const PredictorWeights& w) {
  if (w.arch_layer.in != encoding.arch_size())
    throw std::invalid_argument("predictor: first layer takes " + std::to_string(w.arch_layer.in) +
                                " inputs, the space's arch encoding has " + std::to_string(encoding.arch_size()));
  if (w.quantization_aware() && w.policy_layer.in != encoding.policy_size())
    throw std::invalid_argument("predictor: policy layer takes " + std::to_string(w.policy_layer.in) +
                                " inputs, the space's policy encoding has " + std::to_string(encoding.policy_size()));
  if (w.bitops_input() && !w.quantization_aware())
    throw std::invalid_argument("predictor: only a quantization-aware predictor takes BitOps");
  if (w.output_layer.out != 1) throw std::invalid_argument("predictor: output layer must have one output");
}

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
using AlignedFloats = std::unique_ptr<float[], FreeDeleter>;

AlignedFloats aligned_zeros(std::size_t n) {
  const std::size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
  float* p = static_cast<float*>(std::aligned_alloc(64, std::max<std::size_t>(bytes, 64)));
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, std::max<std::size_t>(bytes, 64));
  return AlignedFloats(p);
}

}  // namespace

// Kernels compiled for AVX-512 and AVX2 as well as the baseline ISA, chosen at load time (GCC
// function multiversioning): the project builds for generic x86-64.
namespace predictor_detail {

typedef float Lane16 __attribute__((vector_size(64), may_alias));

// out[c][tile] = ReLU(arch_bias + sum of arch rows) + policy_bias + sum of policy rows, per tile.
// hot[begin[c] .. begin[c] + arch_count[c]) are arch features, the rest up to begin[c+1] policy ones.
__attribute__((target_clones("avx512f", "avx2", "default")))
void first_layer_tiles(const float* table, int features, int tiles, const float* arch_bias, const float* policy_bias,
                       const int* hot, const int* begin, const int* arch_count, int m, float* out, int out_stride) {
  const Lane16 zero = {};
  for (int t = 0; t < tiles; ++t) {
    // One 64-byte tile per feature; the table is 64-byte aligned.
    const Lane16* rows = reinterpret_cast<const Lane16*>(table + static_cast<std::size_t>(t) * features * kLanes);
    Lane16 ba, bp;
    std::memcpy(&ba, arch_bias + t * kLanes, sizeof ba);
    std::memcpy(&bp, policy_bias + t * kLanes, sizeof bp);
    for (int c = 0; c < m; ++c) {
      const int* h = hot + begin[c];
      const int n_arch = arch_count[c], n_all = begin[c + 1] - begin[c];
      // Four independent accumulators per part: one chain of vector adds would wait on each
      // add's latency. Arch rows go to a0..a3, then policy rows to p0..p3.
      Lane16 a0 = ba, a1 = zero, a2 = zero, a3 = zero;
      int i = 0;
      for (; i + 4 <= n_arch; i += 4) {
        a0 += rows[h[i]];
        a1 += rows[h[i + 1]];
        a2 += rows[h[i + 2]];
        a3 += rows[h[i + 3]];
      }
      for (; i < n_arch; ++i) a0 += rows[h[i]];
      Lane16 acc = (a0 + a1) + (a2 + a3);
      acc = acc > zero ? acc : zero;
      Lane16 p0 = bp, p1 = zero, p2 = zero, p3 = zero;
      for (; i + 4 <= n_all; i += 4) {
        p0 += rows[h[i]];
        p1 += rows[h[i + 1]];
        p2 += rows[h[i + 2]];
        p3 += rows[h[i + 3]];
      }
      for (; i < n_all; ++i) p0 += rows[h[i]];
      acc += (p0 + p1) + (p2 + p3);
      std::memcpy(out + static_cast<std::size_t>(c) * out_stride + t * kLanes, &acc, sizeof acc);
    }
  }
}

// rows[c][j] += value[c] * weight[j]: the BitOps layer's term, after first_layer_tiles.
__attribute__((target_clones("avx512f", "avx2", "default")))
void add_scaled_weight(float* __restrict rows, const float* __restrict weight, const float* __restrict value, int m,
                       int width, int stride) {
  for (int c = 0; c < m; ++c) {
    float* __restrict row = rows + static_cast<std::size_t>(c) * stride;
    for (int j = 0; j < width; ++j) row[j] += value[c] * weight[j];
  }
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void bias_relu(float* __restrict rows, const float* __restrict bias, int m, int width) {
  for (int r = 0; r < m; ++r) {
    float* __restrict row = rows + static_cast<std::size_t>(r) * width;
    for (int j = 0; j < width; ++j) row[j] = std::max(row[j] + bias[j], 0.0f);
  }
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void output_layer(const float* __restrict rows, const float* __restrict weight, float bias, int m, int width,
                  float* __restrict out) {
  for (int r = 0; r < m; ++r) {
    const float* row = rows + static_cast<std::size_t>(r) * width;
    float sum = 0.0f;
    for (int j = 0; j < width; ++j) sum += row[j] * weight[j];
    out[r] = sum + bias;
  }
}

}  // namespace predictor_detail

struct PredictorHandle::Engine {
  int width0 = 0, tiles = 0, padded0 = 0;
  int arch_features = 0, features = 0;
  AlignedFloats table;                      // [tile][feature][16]: arch rows, then policy rows
  AlignedFloats arch_bias, policy_bias;     // padded to tiles x 16; policy bias zero if FP (+ the BitOps bias)
  bool quantization_aware = false;
  std::unique_ptr<CostModel> costs;         // the BitOps input's; null if the predictor does not take it
  std::vector<float> bitops_weight;
  float bitops_low = 0, bitops_high = 0;
  mutable std::vector<float> bitops_value;
  std::vector<std::vector<float>> hidden_weight, hidden_bias;
  std::vector<at::Tensor> hidden_t;  // views of hidden_weight, [out x in]
  bool bf16 = false;
  std::vector<at::Tensor> hidden_bf16;                 // bfloat16 copies of hidden_t
  mutable std::vector<std::uint16_t> bf16_x, bf16_y;   // bfloat16 activations
  std::vector<float> output_weight;
  float output_bias = 0.0f;
  // Scratch (mutable: predict is logically const).
  mutable std::vector<float> act_a, act_b;
  mutable std::vector<int> hot, scratch, begin, arch_count;

  Engine(const Encoding& enc, const PredictorWeights& w, bool use_bf16) : bf16(use_bf16) {
    width0 = w.arch_layer.out;
    tiles = (width0 + kLanes - 1) / kLanes;
    padded0 = tiles * kLanes;
    quantization_aware = w.quantization_aware();
    arch_features = w.arch_layer.in;
    features = arch_features + (quantization_aware ? w.policy_layer.in : 0);
    table = aligned_zeros(static_cast<std::size_t>(tiles) * features * kLanes);
    auto put = [&](const LinearWeights& layer, int feature_offset) {
      for (int o = 0; o < layer.out; ++o)
        for (int i = 0; i < layer.in; ++i)
          table[(static_cast<std::size_t>(o / kLanes) * features + feature_offset + i) * kLanes + o % kLanes] =
              layer.weight[static_cast<std::size_t>(o) * layer.in + i];
    };
    put(w.arch_layer, 0);
    arch_bias = aligned_zeros(padded0);
    policy_bias = aligned_zeros(padded0);
    std::copy(w.arch_layer.bias.begin(), w.arch_layer.bias.end(), arch_bias.get());
    if (quantization_aware) {
      put(w.policy_layer, arch_features);
      std::copy(w.policy_layer.bias.begin(), w.policy_layer.bias.end(), policy_bias.get());
    }
    if (w.bitops_input()) {
      costs = std::make_unique<CostModel>(enc.space());
      bitops_weight = w.bitops_layer.weight;
      bitops_low = w.bitops_low;
      bitops_high = w.bitops_high;
      for (int j = 0; j < width0; ++j) policy_bias[j] += w.bitops_layer.bias[j];
    }
    int max_width = padded0;
    for (const LinearWeights& layer : w.hidden_layers) {
      hidden_weight.push_back(layer.weight);
      hidden_bias.push_back(layer.bias);
      max_width = std::max(max_width, layer.out);
    }
    for (std::size_t i = 0; i < hidden_weight.size(); ++i)
      hidden_t.push_back(at::from_blob(hidden_weight[i].data(), {w.hidden_layers[i].out, w.hidden_layers[i].in}));
    output_weight = w.output_layer.weight;
    output_bias = w.output_layer.bias[0];
    act_a.resize(static_cast<std::size_t>(kChunk) * max_width);
    act_b.resize(act_a.size());
    if (bf16) {
      for (const at::Tensor& t : hidden_t) hidden_bf16.push_back(t.to(at::kBFloat16));
      bf16_x.resize(act_a.size());
      bf16_y.resize(act_a.size());
    }
  }

  // One-hot positions of m candidates, flattened: arch features, then policy features + offset.
  void gather_hot(const Encoding& enc, int m, const Arch* const* archs, const Policy* const* policies) const {
    hot.clear();
    begin.assign(1, 0);
    arch_count.clear();
    for (int c = 0; c < m; ++c) {
      enc.arch_hot(*archs[c], scratch);
      hot.insert(hot.end(), scratch.begin(), scratch.end());
      arch_count.push_back(static_cast<int>(scratch.size()));
      if (quantization_aware) {
        const Policy* policy = policies ? policies[c] : nullptr;
        if (!policy) throw std::invalid_argument("predictor: the quantization-aware predictor needs a policy per arch");
        if (static_cast<int>(policy->blocks.size()) != enc.space().num_slots())
          throw std::invalid_argument("predictor: policy has " + std::to_string(policy->blocks.size()) +
                                      " blocks, the space " + std::to_string(enc.space().num_slots()));
        enc.policy_hot(*archs[c], *policy, scratch);
        for (int h : scratch) hot.push_back(arch_features + h);
      }
      begin.push_back(static_cast<int>(hot.size()));
    }
  }

  void run(const Encoding& enc, std::size_t n, const Arch* const* archs, const Policy* const* policies, float* out,
           const double* bitops) const {
    for (std::size_t start = 0; start < n; start += kChunk) {
      const int m = static_cast<int>(std::min<std::size_t>(kChunk, n - start));
      gather_hot(enc, m, archs + start, policies ? policies + start : nullptr);
      predictor_detail::first_layer_tiles(table.get(), features, tiles, arch_bias.get(), policy_bias.get(), hot.data(),
                                          begin.data(), arch_count.data(), m, act_a.data(), padded0);
      if (costs) {
        bitops_value.resize(m);
        for (int c = 0; c < m; ++c) {
          const double x = bitops ? bitops_input_value(bitops[start + c])
                                  : bitops_input_value(*costs, *archs[start + c], *policies[start + c]);
          bitops_value[c] = clamped_bitops_input(x, bitops_low, bitops_high);
        }
        predictor_detail::add_scaled_weight(act_a.data(), bitops_weight.data(), bitops_value.data(), m, width0, padded0);
      }
      float* x = act_a.data();
      float* y = act_b.data();
      int width = width0, stride = padded0;
      for (std::size_t l = 0; l < hidden_t.size(); ++l) {
        const int next = static_cast<int>(hidden_t[l].size(0));
        at::Tensor xt = at::from_blob(x, {m, width}, {stride, 1});
        at::Tensor yt = at::from_blob(y, {m, next});
        if (bf16) {
          at::Tensor xb = at::from_blob(bf16_x.data(), {m, width}, at::kBFloat16);
          at::Tensor yb = at::from_blob(bf16_y.data(), {m, next}, at::kBFloat16);
          xb.copy_(xt);
          at::mm_out(yb, xb, hidden_bf16[l].t());
          yt.copy_(yb);
        } else {
          at::mm_out(yt, xt, hidden_t[l].t());
        }
        predictor_detail::bias_relu(y, hidden_bias[l].data(), m, next);
        std::swap(x, y);
        width = stride = next;
      }
      if (stride != width) {  // no hidden GEMM: compact the padded first-layer rows
        for (int r = 0; r < m; ++r) std::copy(x + static_cast<std::size_t>(r) * stride, x + static_cast<std::size_t>(r) * stride + width, y + static_cast<std::size_t>(r) * width);
        x = y;
      }
      predictor_detail::output_layer(x, output_weight.data(), output_bias, m, width, out + start);
    }
  }
};

PredictorHandle::PredictorHandle(const Encoding& encoding, const PredictorConfig& config, std::uint64_t seed)
    : encoding_(&encoding), weights_(init_predictor_weights(encoding, config, seed)), fresh_(true) {
  rebuild_engine();
}

PredictorHandle::PredictorHandle(const Encoding& encoding, PredictorWeights weights)
    : encoding_(&encoding), weights_(std::move(weights)) {
  rebuild_engine();
}

PredictorHandle::~PredictorHandle() = default;
PredictorHandle::PredictorHandle(PredictorHandle&&) noexcept = default;
PredictorHandle& PredictorHandle::operator=(PredictorHandle&&) noexcept = default;

void PredictorHandle::rebuild_engine() {
  check_weights(*encoding_, weights_);
  engine_ = std::make_unique<Engine>(*encoding_, weights_, precision_ == InferencePrecision::bf16);
}

void PredictorHandle::set_inference_precision(InferencePrecision precision) {
  const InferencePrecision effective =
      precision == InferencePrecision::bf16 && !bf16_inference_supported() ? InferencePrecision::fp32 : precision;
  if (effective == precision_) return;
  precision_ = effective;
  rebuild_engine();
}

void PredictorHandle::predict(std::size_t n, const Arch* const* archs, const Policy* const* policies, float* out,
                              const double* bitops) const {
  engine_->run(*encoding_, n, archs, policies, out, bitops);
}

void PredictorHandle::predict(const std::vector<Arch>& archs, const std::vector<Policy>& policies, float* out) const {
  if (quantization_aware() && policies.size() != archs.size())
    throw std::invalid_argument("predictor: " + std::to_string(policies.size()) + " policies for " +
                                std::to_string(archs.size()) + " architectures");
  std::vector<const Arch*> a(archs.size());
  std::vector<const Policy*> p(quantization_aware() ? archs.size() : 0);
  for (std::size_t i = 0; i < archs.size(); ++i) a[i] = &archs[i];
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = &policies[i];
  predict(archs.size(), a.data(), p.empty() ? nullptr : p.data(), out);
}

}  // namespace apq
