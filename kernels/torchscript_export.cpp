#include "kernels/torchscript_export.hpp"

#include <torch/script.h>
#include <torch/torch.h>

#include <cstdio>
#include <iomanip>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "kernels/elastic_layers.hpp"
#include "kernels/model_state.hpp"
#include "kernels/quant_subnet.hpp"

namespace apq {
namespace {

// The quantizers of kernels/quantizer.cpp, op for op (the same ATen ops in the same order give
// the same floats): clip, scale, round, and the straight-through form c + (q - c).
constexpr const char* kHelpers = R"(
def _act_unsigned(self, x: Tensor, alpha: Tensor, levels: float) -> Tensor:
    a = alpha.clamp_min(0.0001)
    c = torch.where(x < a, x, a).clamp_min(0.0)
    s = (a / levels).clamp_min(1e-12)
    q = torch.round(c / s) * s
    return c + (q - c)

def _act_signed(self, x: Tensor, alpha: Tensor, levels: float) -> Tensor:
    a = alpha.clamp_min(0.0001)
    u = torch.where(x < a, x, a)
    c = torch.where(u > -a, u, -a)
    s = (a / levels).clamp_min(1e-12)
    q = torch.round(c / s) * s
    return c + (q - c)
)";

std::string number(double v) {
  std::ostringstream out;
  out << std::setprecision(17) << v;
  std::string s = out.str();
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string int_list(torch::IntArrayRef values) {
  std::string s = "[";
  for (std::size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + std::to_string(values[i]);
  return s + "]";
}

std::string flat(std::string name) {
  for (char& c : name)
    if (c == '.') c = '_';
  return name;
}

// Writes the two forward bodies (quantized and float) line by line while registering the tensors
// they read on the module.
class Emitter {
 public:
  explicit Emitter(torch::jit::Module& module) : m_(module) {}

  void line(const std::string& both) { line(both, both); }
  void line(const std::string& quantized, const std::string& plain) {
    q_ << "    " << quantized << "\n";
    f_ << "    " << plain << "\n";
  }

  std::string tensor(const std::string& name, const torch::Tensor& t, bool buffer) {
    m_.register_parameter(name, t.detach().clone(at::MemoryFormat::Preserve), buffer);
    return "self." + name;
  }

  // y = layer(x) for a fake-quantized conv or linear: activation quantizer, then the op.
  void quantized_op(const std::string& name, const ActQuantizerImpl& input, const torch::Tensor& weight,
                    int w_bits, WeightGranularity g, const std::string& call_prefix, const std::string& call_suffix) {
    torch::NoGradGuard no_grad;
    const std::string w = tensor(flat(name) + "_weight", weight, false);
    const std::string wq = tensor(flat(name) + "_weight_q", fake_quant_weight(weight, w_bits, g), true);
    const std::string alpha = tensor(flat(name) + "_alpha", input.alpha, false);
    const bool is_signed = input.kind() == ActKind::signed_clip;
    const int levels = is_signed ? (1 << (input.bits() - 1)) - 1 : (1 << input.bits()) - 1;
    const std::string act = std::string(is_signed ? "self._act_signed" : "self._act_unsigned") + "(x, " + alpha + ", " +
                            number(levels) + ")";
    line("x = " + call_prefix + act + ", " + wq + call_suffix, "x = " + call_prefix + "x, " + w + call_suffix);
  }

  void conv(const std::string& name, const QConv2d& c) {
    const auto& o = c->conv->options;
    const auto* padding = c10::get_if<torch::ExpandingArray<2>>(&o.padding());
    if (!padding || o.bias()) throw std::invalid_argument("TorchScript export: " + name + ": unexpected conv options");
    const std::string rest = ", None, " + int_list(*o.stride()) + ", " + int_list(**padding) + ", " +
                             int_list(*o.dilation()) + ", " + std::to_string(o.groups()) + ")";
    quantized_op(name, *c->input, c->conv->weight, c->w_bits, c->granularity, "torch.conv2d(", rest);
  }

  void linear(const std::string& name, const QLinear& l) {
    const std::string bias = tensor(flat(name) + "_bias", l->linear->bias, false);
    quantized_op(name, *l->input, l->linear->weight, l->w_bits, l->granularity, "torch.linear(", ", " + bias + ")");
  }

  void batch_norm(const std::string& name, const torch::nn::BatchNorm2d& bn) {
    const auto& o = bn->options;
    const std::string p = flat(name);
    line("x = torch.batch_norm(x, " + tensor(p + "_weight", bn->weight, false) + ", " +
         tensor(p + "_bias", bn->bias, false) + ", " + tensor(p + "_running_mean", bn->running_mean, true) + ", " +
         tensor(p + "_running_var", bn->running_var, true) + ", False, " + number(o.momentum().value_or(0.1)) + ", " +
         number(o.eps()) + ", True)");
  }

  void clip6() { line("x = torch.hardtanh(x, 0.0, 6.0)"); }

  std::string source() const {
    return std::string(kHelpers) + "\ndef forward(self, images: Tensor) -> Tensor:\n" + q_.str() +
           "\ndef forward_float(self, images: Tensor) -> Tensor:\n" + f_.str();
  }

 private:
  torch::jit::Module& m_;
  std::ostringstream q_, f_;
};

// The forward of kernels/subnet_forward.hpp, written out layer by layer.
void emit_network(Emitter& e, const QuantSubnet& net, float mean, float stddev) {
  // As to_tensors: pixel * (1 / (255 stddev)) - mean / stddev, in float.
  const float scale = 1.0f / (255.0f * stddev);
  const float shift = mean / stddev;
  e.line("x = images.float() * " + number(scale) + " - " + number(shift));
  e.conv("stem_conv", net.stem_conv);
  e.line("x = x.contiguous(memory_format=2)  # torch.channels_last");
  e.batch_norm("stem_bn", net.stem_bn);
  e.clip6();
  e.conv("first_dw", net.first_dw);
  e.batch_norm("first_dw_bn", net.first_dw_bn);
  e.clip6();
  e.conv("first_pw", net.first_pw);
  e.batch_norm("first_pw_bn", net.first_pw_bn);
  for (std::size_t i = 0; i < net.blocks.size(); ++i) {
    const QuantBlock& b = net.blocks[i];
    const std::string p = "blocks." + std::to_string(i) + ".";
    e.line("block_input = x");
    e.conv(p + "expand", b.expand);
    e.batch_norm(p + "expand_bn", b.expand_bn);
    e.clip6();
    e.conv(p + "dw", b.dw);
    e.batch_norm(p + "dw_bn", b.dw_bn);
    e.clip6();
    e.conv(p + "project", b.project);
    e.batch_norm(p + "project_bn", b.project_bn);
    if (b.residual) e.line("x = x + block_input");
  }
  e.conv("head_conv", net.head_conv);
  e.batch_norm("head_bn", net.head_bn);
  e.clip6();
  e.line("x = x.mean([2, 3])");
  e.linear("classifier", net.classifier);
  e.line("return x");
}

}  // namespace

void write_torchscript_model(const SearchSpace& space, const ModelExport& model, const std::string& path) {
  space.check(model.arch, model.policy);
  const auto source = std::make_shared<StaticSubnet>(space, model.arch);
  weights_to_channels_last(*source);  // as extract_subnet leaves the weights the evaluation used
  source->eval();
  const auto net = std::make_shared<QuantSubnet>(
      *source, space, model.policy, model.per_tensor_weights ? WeightGranularity::per_tensor : WeightGranularity::per_channel);
  load_module_state(*net, "", model.state_dict);
  net->eval();

  torch::jit::Module module("ApqNet");
  Emitter emitter(module);
  emit_network(emitter, *net, model.input_mean, model.input_stddev);
  module.register_attribute("arch", c10::StringType::get(), model.arch_text);
  module.register_attribute("policy", c10::StringType::get(), model.policy_text);
  module.register_attribute("input_mean", c10::FloatType::get(), static_cast<double>(model.input_mean));
  module.register_attribute("input_stddev", c10::FloatType::get(), static_cast<double>(model.input_stddev));
  module.define(emitter.source());
  module.eval();
  const std::string tmp = path + ".tmp";
  module.save(tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot rename the exported model into place");
  }
}

}  // namespace apq
