#include "kernels/cost_model.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace apq {
namespace {

void add(Costs& to, const Costs& c) {
  to.latency_ms += c.latency_ms;
  to.energy_mj += c.energy_mj;
  to.bitops += c.bitops;
  to.macs += c.macs;
}

Costs cost_of(const Layer& l, const CostTable* table) {
  Costs c;
  c.macs = l.macs();
  c.bitops = l.bitops();
  if (table) {
    const CostEntry& e = table->at(CostKey{l.shape, l.w_bits, l.a_bits}, l.name);
    c.latency_ms = e.latency_ms;
    c.energy_mj = e.energy_mj;
  }
  return c;
}

}  // namespace

const CostEntry& CostTable::at(const CostKey& key, const std::string& layer_name) const {
  const auto it = entries_.find(key);
  if (it == entries_.end())
    throw std::out_of_range("cost table (" + (source.empty() ? std::string("unnamed") : source) + "): no entry for " +
                            layer_key(key.shape, key.w_bits, key.a_bits) + (layer_name.empty() ? "" : " (" + layer_name + ")"));
  return it->second;
}

std::vector<CostKey> CostTable::missing(const SearchSpace& space) const {
  std::vector<CostKey> out;
  for (const CostKey& key : space_cost_keys(space))
    if (!contains(key)) out.push_back(key);
  return out;
}

CostTable fill_table(const SearchSpace& space, const std::function<CostEntry(const CostKey&)>& price, std::string source,
                     std::string description) {
  CostTable table;
  table.source = std::move(source);
  table.description = std::move(description);
  for (const CostKey& key : space_cost_keys(space)) table.set(key, price(key));
  return table;
}

CostTableData to_records(const CostTable& table) {
  CostTableData data;
  data.source = table.source;
  data.description = table.description;
  for (const auto& [key, entry] : table.entries()) {
    const LayerShape& s = key.shape;
    CostRecord r;
    r.layer = layer_key(s, key.w_bits, key.a_bits);
    r.type = static_cast<std::int32_t>(s.type);
    r.in_channels = s.in_channels;
    r.out_channels = s.out_channels;
    r.kernel = s.kernel;
    r.stride = s.stride;
    r.groups = s.groups;
    r.in_size = s.in_size;
    r.out_size = s.out_size;
    r.w_bits = key.w_bits;
    r.a_bits = key.a_bits;
    r.latency_ms = entry.latency_ms;
    r.energy_mj = entry.energy_mj;
    data.rows.push_back(std::move(r));
  }
  return data;
}

CostTable from_records(const CostTableData& data) {
  check_cost_records(data.rows, "cost table (" + data.source + ")");
  CostTable table;
  table.source = data.source;
  table.description = data.description;
  for (const CostRecord& r : data.rows) {
    CostKey key;
    key.shape.type = static_cast<LayerType>(r.type);
    key.shape.in_channels = r.in_channels;
    key.shape.out_channels = r.out_channels;
    key.shape.kernel = r.kernel;
    key.shape.stride = r.stride;
    key.shape.groups = r.groups;
    key.shape.in_size = r.in_size;
    key.shape.out_size = r.out_size;
    key.w_bits = r.w_bits;
    key.a_bits = r.a_bits;
    table.set(key, CostEntry{r.latency_ms, r.energy_mj});
  }
  return table;
}

Costs layer_costs(const std::vector<Layer>& layers, const CostTable* table) {
  Costs total;
  for (const Layer& l : layers) add(total, cost_of(l, table));
  return total;
}

CostModel::CostModel(const SearchSpace& space) : space_(&space) { build(nullptr); }

CostModel::CostModel(const SearchSpace& space, const CostTable& table) : space_(&space) {
  const std::vector<CostKey> missing = table.missing(space);
  if (!missing.empty())
    throw std::invalid_argument("cost table (" + (table.source.empty() ? std::string("unnamed") : table.source) +
                                ") lacks " + std::to_string(missing.size()) + " entries the space needs, first: " +
                                layer_key(missing[0].shape, missing[0].w_bits, missing[0].a_bits));
  build(&table);
}

void CostModel::build(const CostTable* table) {
  has_table_ = table != nullptr;
  const SpaceSpec& spec = space_->spec();
  nk_ = static_cast<int>(spec.kernels.size());
  nb_ = static_cast<int>(spec.bits.size());
  bit_lookup_.assign(9, -1);
  for (int i = 0; i < nb_; ++i) bit_lookup_[spec.bits[i]] = i;

  fixed_ = layer_costs(head_layers(*space_), table);
  add(fixed_, layer_costs(tail_layers(*space_), table));

  pw_.assign(space_->num_slots(), {});
  dw_.assign(space_->num_slots(), {});
  for (int s = 0; s < space_->num_slots(); ++s) {
    const auto& mids = space_->slots()[s].mid_choices;
    const int nm = static_cast<int>(mids.size());
    pw_[s].resize(static_cast<std::size_t>(nm) * nb_ * nb_);
    dw_[s].resize(static_cast<std::size_t>(nk_) * nm * nb_ * nb_);
    for (int k = 0; k < nk_; ++k)
      for (int m = 0; m < nm; ++m)
        for (int w = 0; w < nb_; ++w)
          for (int a = 0; a < nb_; ++a) {
            BlockBits bits{spec.bits[w], spec.bits[a], spec.bits[w], spec.bits[a]};
            const auto layers = slot_layers(*space_, s, spec.kernels[k], mids[m], bits);
            dw_[s][((k * nm + m) * nb_ + w) * nb_ + a] = cost_of(layers[1], table);
            if (k == 0) {
              Costs pw = cost_of(layers[0], table);
              add(pw, cost_of(layers[2], table));
              pw_[s][(m * nb_ + w) * nb_ + a] = pw;
            }
          }
  }
}

int CostModel::kernel_index(int slot, int kernel) const {
  const auto& ks = space_->spec().kernels;
  for (int i = 0; i < nk_; ++i)
    if (ks[i] == kernel) return i;
  throw std::invalid_argument("cost model: block " + std::to_string(slot + 1) + " kernel " + std::to_string(kernel) +
                              " is not a choice of the space");
}

int CostModel::mid_index(int slot, int mid) const {
  const auto& mids = space_->slots()[slot].mid_choices;
  for (std::size_t i = 0; i < mids.size(); ++i)
    if (mids[i] == mid) return static_cast<int>(i);
  throw std::invalid_argument("cost model: block " + std::to_string(slot + 1) + " width " + std::to_string(mid) +
                              " is not a choice of the space");
}

int CostModel::bit_index(int slot, int bits) const {
  const int i = bits >= 0 && bits <= 8 ? bit_lookup_[bits] : -1;
  if (i < 0)
    throw std::invalid_argument("cost model: block " + std::to_string(slot + 1) + " uses " + std::to_string(bits) +
                                " bits, not in the space's bit set");
  return i;
}

Costs CostModel::costs(const Arch& arch, const Policy& policy) const {
  if (static_cast<int>(arch.depth.size()) != space_->num_stages() || static_cast<int>(arch.kernel.size()) != space_->num_slots() ||
      static_cast<int>(arch.mid.size()) != space_->num_slots() || static_cast<int>(policy.blocks.size()) != space_->num_slots())
    throw std::invalid_argument("cost model: architecture or policy does not match the space's slots");
  Costs total = fixed_;
  for (int s = 0; s < space_->num_slots(); ++s) {
    if (!space_->is_active(arch, s)) continue;
    const BlockBits& b = policy.blocks[s];
    const int nm = static_cast<int>(space_->slots()[s].mid_choices.size());
    const int k = kernel_index(s, arch.kernel[s]);
    const int m = mid_index(s, arch.mid[s]);
    add(total, pw_[s][(m * nb_ + bit_index(s, b.pw_w)) * nb_ + bit_index(s, b.pw_a)]);
    add(total, dw_[s][((k * nm + m) * nb_ + bit_index(s, b.dw_w)) * nb_ + bit_index(s, b.dw_a)]);
  }
  if (!has_table_) total.latency_ms = total.energy_mj = std::numeric_limits<double>::quiet_NaN();
  return total;
}

std::string budget_problem(const SearchSpace& space, const CostModel& costs, const Budget& budget) {
  if (!budget.any()) return "";
  const Arch smallest = space.smallest();
  const int bits = space.spec().bits.front();
  const Costs c = costs.costs(smallest, space.uniform_policy(smallest, bits));
  if (budget.admits(c)) return "";
  std::ostringstream out;
  out << "nothing in the space fits within the budget (" << budget.describe() << "): the smallest architecture at "
      << bits << " bits costs " << c.latency_ms << " ms, " << c.energy_mj << " mJ, " << c.bitops << " BitOps";
  return out.str();
}

}  // namespace apq
