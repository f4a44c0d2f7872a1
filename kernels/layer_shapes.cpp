#include "kernels/layer_shapes.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace apq {
namespace {

int out_size_of(int in, int stride) { return (in - 1) / stride + 1; }

LayerShape conv(int cin, int cout, int kernel, int stride, int in_size) {
  LayerShape s;
  s.type = LayerType::conv;
  s.in_channels = cin;
  s.out_channels = cout;
  s.kernel = kernel;
  s.stride = stride;
  s.groups = 1;
  s.in_size = in_size;
  s.out_size = out_size_of(in_size, stride);
  return s;
}

LayerShape depthwise(int channels, int kernel, int stride, int in_size) {
  LayerShape s = conv(channels, channels, kernel, stride, in_size);
  s.type = LayerType::depthwise;
  s.groups = channels;
  return s;
}

LayerShape linear(int cin, int cout) {
  LayerShape s;
  s.type = LayerType::linear;
  s.in_channels = cin;
  s.out_channels = cout;
  return s;
}

Layer fixed(std::string name, LayerRole role, LayerShape shape) {
  Layer l;
  l.name = std::move(name);
  l.role = role;
  l.shape = shape;
  return l;
}

int stem_out_size(const SpaceSpec& spec) { return out_size_of(spec.image_size, spec.stem_stride); }

}  // namespace

const char* layer_type_name(LayerType type) {
  switch (type) {
    case LayerType::conv: return "conv";
    case LayerType::depthwise: return "dw";
    case LayerType::linear: return "linear";
  }
  return "?";
}

double layer_weights(const LayerShape& s) {
  return static_cast<double>(s.out_channels) * (s.in_channels / s.groups) * s.kernel * s.kernel;
}

double layer_macs(const LayerShape& s) {
  return layer_weights(s) * static_cast<double>(s.out_size) * s.out_size;
}

std::string layer_key(const LayerShape& s, int w_bits, int a_bits) {
  std::ostringstream out;
  out << layer_type_name(s.type) << ' ' << s.in_channels << '>' << s.out_channels << " k" << s.kernel << " s" << s.stride
      << " g" << s.groups << ' ' << s.in_size << '>' << s.out_size << " w" << w_bits << 'a' << a_bits;
  return out.str();
}

std::vector<Layer> head_layers(const SearchSpace& space) {
  const SpaceSpec& spec = space.spec();
  const int size = stem_out_size(spec);
  return {fixed("stem", LayerRole::head, conv(spec.in_channels, spec.stem_width, 3, spec.stem_stride, spec.image_size)),
          fixed("first.dw", LayerRole::head, depthwise(spec.stem_width, 3, 1, size)),
          fixed("first.project", LayerRole::head, conv(spec.stem_width, spec.first_block_width, 1, 1, size))};
}

std::vector<Layer> tail_layers(const SearchSpace& space) {
  const SpaceSpec& spec = space.spec();
  const int last_width = spec.stages.back().width;
  return {fixed("head", LayerRole::tail, conv(last_width, spec.head_width, 1, 1, space.last_size())),
          fixed("classifier", LayerRole::tail, linear(spec.head_width, spec.num_classes))};
}

std::vector<Layer> slot_layers(const SearchSpace& space, int slot, int kernel, int mid, const BlockBits& bits) {
  if (slot < 0 || slot >= space.num_slots()) throw std::out_of_range("layer shapes: slot " + std::to_string(slot) + " outside the space");
  const BlockSlot& b = space.slots()[slot];
  const std::string name = "block" + std::to_string(slot + 1);
  const int out = out_size_of(b.in_size, b.stride);
  std::vector<Layer> layers(3);
  layers[0].name = name + ".expand";
  layers[0].shape = conv(b.in_channels, mid, 1, 1, b.in_size);
  layers[0].w_bits = bits.pw_w;
  layers[0].a_bits = bits.pw_a;
  layers[1].name = name + ".dw";
  layers[1].shape = depthwise(mid, kernel, b.stride, b.in_size);
  layers[1].w_bits = bits.dw_w;
  layers[1].a_bits = bits.dw_a;
  layers[2].name = name + ".project";
  layers[2].shape = conv(mid, b.out_channels, 1, 1, out);
  layers[2].w_bits = bits.pw_w;
  layers[2].a_bits = bits.pw_a;
  for (Layer& l : layers) {
    l.role = LayerRole::searchable;
    l.slot = slot;
  }
  return layers;
}

std::vector<Layer> network_layers(const SearchSpace& space, const Arch& arch, const Policy& policy) {
  space.check(arch, policy);
  std::vector<Layer> layers = head_layers(space);
  for (int i = 0; i < space.num_slots(); ++i) {
    if (!space.is_active(arch, i)) continue;
    for (Layer& l : slot_layers(space, i, arch.kernel[i], arch.mid[i], policy.blocks[i])) layers.push_back(std::move(l));
  }
  for (Layer& l : tail_layers(space)) layers.push_back(std::move(l));
  return layers;
}

std::vector<CostKey> space_cost_keys(const SearchSpace& space) {
  std::vector<CostKey> keys;
  for (const Layer& l : head_layers(space)) keys.push_back({l.shape, kFixedBits, kFixedBits});
  for (const Layer& l : tail_layers(space)) keys.push_back({l.shape, kFixedBits, kFixedBits});
  const auto& bits = space.spec().bits;
  for (int i = 0; i < space.num_slots(); ++i)
    for (int k : space.spec().kernels)
      for (int mid : space.slots()[i].mid_choices)
        for (const Layer& l : slot_layers(space, i, k, mid, BlockBits{}))
          for (int wb : bits)
            for (int ab : bits) keys.push_back({l.shape, wb, ab});
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::vector<LayerShape> space_layer_shapes(const SearchSpace& space) {
  std::vector<LayerShape> shapes;
  for (const CostKey& key : space_cost_keys(space)) shapes.push_back(key.shape);
  shapes.erase(std::unique(shapes.begin(), shapes.end()), shapes.end());  // keys are sorted by shape first
  return shapes;
}

}  // namespace apq
