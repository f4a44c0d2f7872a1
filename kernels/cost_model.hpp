// Hardware cost of a (space, arch, policy) subnet: MACs and BitOps from the layer shapes, latency
// and energy from a table keyed by (layer shape, weight bits, activation bits). Network cost =
// fixed head (stem + first block) + fixed tail (head conv + classifier) + sum over the active
// searchable layers. A missing table entry is an error naming the layer and bits, never a zero.
// Torch-free: the evolution calls CostModel::costs for every child, so it is a sum of lookups
// into per-slot, per-choice arrays precomputed once.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/cost_records.hpp"
#include "base/costs.hpp"
#include "kernels/layer_shapes.hpp"
#include "kernels/search_space.hpp"

namespace apq {

struct CostEntry {
  double latency_ms = 0.0;
  double energy_mj = 0.0;
};

class CostTable {
 public:
  // Where the numbers come from: "bitfusion-model", "host-measured", or a user's description.
  std::string source;
  std::string description;

  void set(const CostKey& key, const CostEntry& entry) { entries_[key] = entry; }
  bool contains(const CostKey& key) const { return entries_.count(key) != 0; }
  // Throws std::out_of_range "cost table (<source>): no entry for <layer key> (<layer name>)".
  const CostEntry& at(const CostKey& key, const std::string& layer_name = "") const;
  std::size_t size() const { return entries_.size(); }
  const std::map<CostKey, CostEntry>& entries() const { return entries_; }

  // Keys the space needs that this table lacks (empty when the table is complete for the space).
  std::vector<CostKey> missing(const SearchSpace& space) const;

 private:
  std::map<CostKey, CostEntry> entries_;
};

// A table with one entry per key the space needs, computed by `price`.
CostTable fill_table(const SearchSpace& space, const std::function<CostEntry(const CostKey&)>& price,
                     std::string source, std::string description = "");

// Plain records for io/cost_table_store (costs.h5) and back. from_records throws
// std::invalid_argument for invalid rows (see check_cost_records); the layer strings are
// informational, lookups use the integer columns.
CostTableData to_records(const CostTable& table);
CostTable from_records(const CostTableData& data);

// Costs of a list of layers, pricing each from the table (nullptr: latency and energy left 0).
Costs layer_costs(const std::vector<Layer>& layers, const CostTable* table);

class CostModel {
 public:
  // Without a table, latency_ms and energy_mj are NaN: only MACs and BitOps are known.
  explicit CostModel(const SearchSpace& space);
  // Throws std::invalid_argument naming the first missing entry (and how many are missing).
  CostModel(const SearchSpace& space, const CostTable& table);

  bool has_table() const { return has_table_; }
  // The arch and policy must be valid for the space (choices are looked up; a value outside the
  // space throws std::invalid_argument naming the block).
  Costs costs(const Arch& arch, const Policy& policy) const;
  // Fixed part: head + tail.
  const Costs& fixed_costs() const { return fixed_; }

 private:
  void build(const CostTable* table);
  int kernel_index(int slot, int kernel) const;
  int mid_index(int slot, int mid) const;
  int bit_index(int slot, int bits) const;

  const SearchSpace* space_;
  bool has_table_ = false;
  int nk_ = 0, nb_ = 0;
  std::vector<int> bit_lookup_;  // bits (0..8) -> index in the bit set, -1 if not in it
  Costs fixed_;
  // Per slot, flattened: pw_[slot][(mid * nb + w) * nb + a] = expand + project;
  // dw_[slot][((k * nmid + mid) * nb + w) * nb + a].
  std::vector<std::vector<Costs>> pw_, dw_;
};

// "" when something in the space can meet the budget, else why not: the cheapest corner of the
// space (smallest architecture at the lowest bits) already breaks it.
std::string budget_problem(const SearchSpace& space, const CostModel& costs, const Budget& budget);

}  // namespace apq
