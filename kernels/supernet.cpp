#include "kernels/supernet.hpp"

#include <cmath>
#include <string>

namespace apq {
namespace {

torch::nn::Conv2d make_conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).groups(groups).bias(false));
}

// ReLU6
torch::Tensor clip6(const torch::Tensor& x) { return torch::hardtanh(x, 0.0, 6.0); }

}  // namespace

Supernet::Supernet(const SearchSpace& space, std::uint64_t seed) : space_(space) {
  const SpaceSpec& spec = space_.spec();
  stem_conv = register_module("stem_conv", make_conv(spec.in_channels, spec.stem_width, 3, spec.stem_stride, 1));
  stem_bn = register_module("stem_bn", std::make_shared<ElasticBatchNorm>(spec.stem_width));
  first_dw = register_module("first_dw", make_conv(spec.stem_width, spec.stem_width, 3, 1, spec.stem_width));
  first_dw_bn = register_module("first_dw_bn", std::make_shared<ElasticBatchNorm>(spec.stem_width));
  first_pw = register_module("first_pw", make_conv(spec.stem_width, spec.first_block_width, 1, 1, 1));
  first_pw_bn = register_module("first_pw_bn", std::make_shared<ElasticBatchNorm>(spec.first_block_width));
  auto block_list = register_module("blocks", torch::nn::ModuleList());  // names blocks.<slot>.*
  for (int i = 0; i < space_.num_slots(); ++i) {
    const BlockSlot& slot = space_.slots()[i];
    blocks.push_back(std::make_shared<ElasticMBConv>(slot.in_channels, slot.out_channels, slot.mid_choices.back(),
                                                     spec.kernels, slot.stride));
    block_list->push_back(blocks.back());
  }
  const int64_t last_width = spec.stages.back().width;
  head_conv = register_module("head_conv", make_conv(last_width, spec.head_width, 1, 1, 1));
  head_bn = register_module("head_bn", std::make_shared<ElasticBatchNorm>(spec.head_width));
  classifier = register_module("classifier", torch::nn::Linear(spec.head_width, spec.num_classes));

  batch_norms_ = {stem_bn.get(), first_dw_bn.get(), first_pw_bn.get()};
  for (auto& b : blocks)
    for (auto* bn : {b->expand_bn.get(), b->dw_bn.get(), b->project_bn.get()}) batch_norms_.push_back(bn);
  batch_norms_.push_back(head_bn.get());

  init_weights(seed);
  weights_to_channels_last(*this);
  set_active(space_.largest());
}

void Supernet::init_weights(std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed);
  // He normal with fan-out = out_channels * k * k (as once-for-all and torchvision do).
  auto he = [&](torch::Tensor& w) {
    const double fan_out = static_cast<double>(w.size(0) * w.size(2) * w.size(3));
    w.normal_(0.0, std::sqrt(2.0 / fan_out), gen);
  };
  for (auto* conv : {&stem_conv, &first_dw, &first_pw, &head_conv}) he((*conv)->weight);
  for (auto& b : blocks) {
    he(b->expand->weight);
    he(b->dw->weight);
    he(b->project->weight);
    for (auto& t : b->dw->transforms) t.copy_(torch::eye(t.size(0)));
  }
  const double bound = 1.0 / std::sqrt(static_cast<double>(classifier->weight.size(1)));
  classifier->weight.uniform_(-bound, bound, gen);
  classifier->bias.zero_();
  for (auto* bn : batch_norms_) {
    bn->weight.fill_(1.0);
    bn->bias.zero_();
    bn->running_mean.zero_();
    bn->running_var.fill_(1.0);
  }
}

void Supernet::set_active(const Arch& arch) {
  space_.check(arch);
  for (int i = 0; i < space_.num_slots(); ++i) blocks[i]->set_active(arch.kernel[i], arch.mid[i]);
  active_ = arch;
}

torch::Tensor Supernet::forward(torch::Tensor x) {
  // A 1-channel input cannot carry the channels-last layout: convert after the stem conv.
  x = stem_conv->forward(x).contiguous(kChannelsLast);
  x = clip6(stem_bn->forward(x));
  x = clip6(first_dw_bn->forward(first_dw->forward(x)));
  x = first_pw_bn->forward(first_pw->forward(x));
  for (int s = 0; s < space_.num_stages(); ++s)
    for (int j = 0; j < active_.depth[s]; ++j) x = blocks[space_.first_slot(s) + j]->forward(x);
  x = clip6(head_bn->forward(head_conv->forward(x)));
  x = x.mean({2, 3});
  return classifier->forward(x);
}

void Supernet::set_track_stats(bool on) {
  for (auto* bn : batch_norms_) bn->set_track_stats(on);
}

std::vector<ChannelPermutation> Supernet::sort_channels_by_importance() {
  torch::NoGradGuard no_grad;
  std::vector<ChannelPermutation> applied;
  auto permute = [&](torch::Tensor& t, int64_t dim, const torch::Tensor& index) {
    t.copy_(t.index_select(dim, index));  // copy_ keeps t's memory format
  };
  for (auto& b : blocks) {
    const auto importance = b->project->weight.abs().sum({0, 2, 3});
    const auto index = std::get<1>(torch::sort(importance, /*stable=*/true, /*dim=*/0, /*descending=*/true));
    for (auto* p : {&b->expand->weight, &b->expand_bn->weight, &b->expand_bn->bias, &b->dw->weight,
                    &b->dw_bn->weight, &b->dw_bn->bias}) {
      permute(*p, 0, index);
      applied.push_back({*p, 0, index});
    }
    permute(b->project->weight, 1, index);
    applied.push_back({b->project->weight, 1, index});
    for (auto* s : {&b->expand_bn->running_mean, &b->expand_bn->running_var, &b->dw_bn->running_mean,
                    &b->dw_bn->running_var})
      permute(*s, 0, index);
  }
  return applied;
}

}  // namespace apq
