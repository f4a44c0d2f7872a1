#include "kernels/subnet.hpp"

#include <string>

#include "kernels/subnet_forward.hpp"
#include "kernels/supernet.hpp"

namespace apq {
namespace {

torch::nn::Conv2d make_conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).groups(groups).bias(false));
}

torch::nn::BatchNorm2d make_bn(int64_t channels, double momentum, double eps) {
  return torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(channels).momentum(momentum).eps(eps));
}

void copy_bn(torch::nn::BatchNorm2d& to, const ElasticBatchNorm& from) {
  const int64_t c = to->options.num_features();
  to->weight.copy_(from.weight.slice(0, 0, c));
  to->bias.copy_(from.bias.slice(0, 0, c));
  to->running_mean.copy_(from.running_mean.slice(0, 0, c));
  to->running_var.copy_(from.running_var.slice(0, 0, c));
}

}  // namespace

StaticSubnet::StaticSubnet(const SearchSpace& space, const Arch& arch) : arch_(arch) {
  space.check(arch);
  const SpaceSpec& spec = space.spec();
  const double m = 0.1, eps = 1e-5;  // as ElasticBatchNorm's defaults
  stem_conv = register_module("stem_conv", make_conv(spec.in_channels, spec.stem_width, 3, spec.stem_stride, 1));
  stem_bn = register_module("stem_bn", make_bn(spec.stem_width, m, eps));
  first_dw = register_module("first_dw", make_conv(spec.stem_width, spec.stem_width, 3, 1, spec.stem_width));
  first_dw_bn = register_module("first_dw_bn", make_bn(spec.stem_width, m, eps));
  first_pw = register_module("first_pw", make_conv(spec.stem_width, spec.first_block_width, 1, 1, 1));
  first_pw_bn = register_module("first_pw_bn", make_bn(spec.first_block_width, m, eps));
  auto block_list = register_module("blocks", torch::nn::ModuleList());  // names blocks.<i>.*
  for (int i = 0; i < space.num_slots(); ++i) {
    if (!space.is_active(arch, i)) continue;
    const BlockSlot& slot = space.slots()[i];
    StaticBlock b;
    b.kernel = arch.kernel[i];
    b.mid = arch.mid[i];
    b.stride = slot.stride;
    b.slot = i;
    b.residual = slot.residual();
    auto holder = std::make_shared<torch::nn::Module>();
    b.expand = holder->register_module("expand", make_conv(slot.in_channels, b.mid, 1, 1, 1));
    b.expand_bn = holder->register_module("expand_bn", make_bn(b.mid, m, eps));
    b.dw = holder->register_module("dw", make_conv(b.mid, b.mid, b.kernel, b.stride, b.mid));
    b.dw_bn = holder->register_module("dw_bn", make_bn(b.mid, m, eps));
    b.project = holder->register_module("project", make_conv(b.mid, slot.out_channels, 1, 1, 1));
    b.project_bn = holder->register_module("project_bn", make_bn(slot.out_channels, m, eps));
    block_list->push_back(holder);
    blocks.push_back(std::move(b));
  }
  head_conv = register_module("head_conv", make_conv(spec.stages.back().width, spec.head_width, 1, 1, 1));
  head_bn = register_module("head_bn", make_bn(spec.head_width, m, eps));
  classifier = register_module("classifier", torch::nn::Linear(spec.head_width, spec.num_classes));
}

torch::Tensor StaticSubnet::forward(torch::Tensor x) { return subnet_forward(*this, std::move(x)); }

std::shared_ptr<StaticSubnet> extract_subnet(const Supernet& supernet, const Arch& arch) {
  auto net = std::make_shared<StaticSubnet>(supernet.space(), arch);
  torch::NoGradGuard no_grad;
  net->stem_conv->weight.copy_(supernet.stem_conv->weight);
  copy_bn(net->stem_bn, *supernet.stem_bn);
  net->first_dw->weight.copy_(supernet.first_dw->weight);
  copy_bn(net->first_dw_bn, *supernet.first_dw_bn);
  net->first_pw->weight.copy_(supernet.first_pw->weight);
  copy_bn(net->first_pw_bn, *supernet.first_pw_bn);
  for (auto& b : net->blocks) {
    const ElasticMBConv& from = *supernet.blocks[b.slot];
    b.expand->weight.copy_(from.expand->sliced_weight(from.in_channels(), b.mid));
    copy_bn(b.expand_bn, *from.expand_bn);
    b.dw->weight.copy_(from.dw->kernel_weight(b.mid, b.kernel));
    copy_bn(b.dw_bn, *from.dw_bn);
    b.project->weight.copy_(from.project->sliced_weight(b.mid, from.out_channels()));
    copy_bn(b.project_bn, *from.project_bn);
  }
  net->head_conv->weight.copy_(supernet.head_conv->weight);
  copy_bn(net->head_bn, *supernet.head_bn);
  net->classifier->weight.copy_(supernet.classifier->weight);
  net->classifier->bias.copy_(supernet.classifier->bias);
  weights_to_channels_last(*net);
  net->eval();
  return net;
}

}  // namespace apq
