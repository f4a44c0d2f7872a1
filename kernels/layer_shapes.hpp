// The layers of one (space, arch, policy) subnet: what the cost model prices and what BitOps
// count. Torch-free. The network is the supernet's MobileNetV2 layout:
//   head (fixed, 8 bits): stem conv 3x3 / stem_stride, first block (3x3 depthwise, 1x1 project)
//   searchable slots:     1x1 expand, kxk depthwise / stride, 1x1 project
//   tail (fixed, 8 bits): 1x1 head conv, global average pool, linear classifier
// Spatial sizes follow "same" padding: out = (in - 1) / stride + 1.
#pragma once
#include <string>
#include <tuple>
#include <vector>

#include "kernels/search_space.hpp"

namespace apq {

// Bits of the layers that are never searched (stem, first block, head conv, classifier).
constexpr int kFixedBits = 8;

enum class LayerType { conv = 0, depthwise = 1, linear = 2 };
const char* layer_type_name(LayerType type);  // "conv", "dw", "linear"

// Everything about a layer that its cost depends on, apart from bits.
struct LayerShape {
  LayerType type = LayerType::conv;
  int in_channels = 0;
  int out_channels = 0;
  int kernel = 1;
  int stride = 1;
  int groups = 1;
  int in_size = 1;   // input height = width (1 for linear)
  int out_size = 1;  // output height = width (1 for linear)

  auto tie() const { return std::tie(type, in_channels, out_channels, kernel, stride, groups, in_size, out_size); }
  bool operator==(const LayerShape& o) const { return tie() == o.tie(); }
  bool operator<(const LayerShape& o) const { return tie() < o.tie(); }
};

// Multiply-accumulates of one inference on one image.
double layer_macs(const LayerShape& shape);
// Weights (without bias) of the layer.
double layer_weights(const LayerShape& shape);

// Readable key, e.g. "conv 24>72 k1 s1 g1 14>14 w6a4" (type, channels, kernel, stride, groups,
// spatial in>out, weight and activation bits). Used in HDF5 rows and error messages.
std::string layer_key(const LayerShape& shape, int w_bits, int a_bits);

enum class LayerRole { head = 0, searchable = 1, tail = 2 };

struct Layer {
  std::string name;  // "stem", "first.dw", "block3.expand", "head", "classifier"
  LayerRole role = LayerRole::searchable;
  int slot = -1;     // searchable slot index, -1 for fixed layers
  LayerShape shape;
  int w_bits = kFixedBits;
  int a_bits = kFixedBits;  // bits of the layer's input activation
  double macs() const { return layer_macs(shape); }
  double bitops() const { return macs() * w_bits * a_bits; }
};

// Fixed layers, in network order.
std::vector<Layer> head_layers(const SearchSpace& space);
std::vector<Layer> tail_layers(const SearchSpace& space);
// The three layers of one active slot with kernel k, middle width mid and bits b.
std::vector<Layer> slot_layers(const SearchSpace& space, int slot, int kernel, int mid, const BlockBits& bits);
// Every layer of the subnet in network order; checks arch and policy against the space first.
std::vector<Layer> network_layers(const SearchSpace& space, const Arch& arch, const Policy& policy);

// One entry a cost table must hold for the space: a shape and a (weight, activation) bit pair.
struct CostKey {
  LayerShape shape;
  int w_bits = kFixedBits;
  int a_bits = kFixedBits;
  auto tie() const { return std::tie(shape, w_bits, a_bits); }
  bool operator==(const CostKey& o) const { return tie() == o.tie(); }
  bool operator<(const CostKey& o) const { return tie() < o.tie(); }
};

// Distinct layer shapes the space can produce (fixed ones included), sorted.
std::vector<LayerShape> space_layer_shapes(const SearchSpace& space);
// Distinct keys a complete table needs: fixed layers at 8/8, searchable ones at every pair of the bit set.
std::vector<CostKey> space_cost_keys(const SearchSpace& space);

}  // namespace apq
