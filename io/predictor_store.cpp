#include "io/predictor_store.hpp"

#include <cctype>
#include <stdexcept>

namespace apq {

namespace {

void check_name(const std::string& path, const std::string& name) {
  bool ok = !name.empty();
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!ok) throw std::invalid_argument(path + ": predictor name '" + name + "' is not letters, digits and '_'");
}

void write_predictor(h5::Group& root, const std::string& name, const PredictorRecord& r) {
  h5::Group g = root.create_group(name);
  g.set_int_attr("arch_size", r.arch_size);
  g.set_int_attr("policy_size", r.policy_size);
  g.set_int_array_attr("hidden", r.hidden);
  g.set_int_attr("epochs", r.epochs);
  g.set_int_attr("n_train", r.n_train);
  g.set_int_attr("n_heldout", r.n_heldout);
  g.set_double_attr("rmse", r.rmse);
  g.set_double_attr("pearson", r.pearson);
  g.set_double_attr("kendall_tau", r.kendall_tau);
  g.set_double_attr("kendall_tau_se", r.kendall_tau_se);
  g.set_double_attr("mean_target", r.mean_target);
  g.set_int_attr("cv_folds", r.cv_folds);
  g.set_double_attr("cv_kendall_tau", r.cv_kendall_tau);
  g.set_double_attr("cv_kendall_tau_se", r.cv_kendall_tau_se);
  g.set_string_attr("label_target", r.label_target);
  g.set_int_attr("label_items", r.label_items);
  g.set_double_attr("label_split_half_tau", r.label_split_half_tau);
  g.set_double_attr("label_split_half_pearson", r.label_split_half_pearson);
  g.set_double_attr("label_reliability", r.label_reliability);
  g.set_double_attr("label_tau_ceiling", r.label_tau_ceiling);
  g.set_int_attr("members", static_cast<std::int64_t>(r.members.size()));
  for (std::size_t i = 0; i < r.members.size(); ++i) write_named_arrays(g, "members/" + std::to_string(i), r.members[i]);
  const auto n = static_cast<std::int64_t>(r.heldout_target.size());
  g.write<double>("heldout/target", {n}, r.heldout_target);
  g.write<double>("heldout/predicted", {n}, r.heldout_predicted);
  g.write<double>("heldout/stddev", {n}, r.heldout_stddev);
  g.open_group("heldout").set_string_attr("units", "fraction");
}

PredictorRecord read_predictor(const h5::Group& root, const std::string& name, bool with_weights) {
  const h5::Group g = root.open_group(name);
  PredictorRecord r;
  r.arch_size = g.int_attr("arch_size");
  r.policy_size = g.int_attr("policy_size");
  r.hidden = g.int_array_attr("hidden");
  r.epochs = g.int_attr("epochs");
  r.n_train = g.int_attr("n_train");
  r.n_heldout = g.int_attr("n_heldout");
  r.rmse = g.double_attr("rmse");
  r.pearson = g.double_attr("pearson");
  r.kendall_tau = g.double_attr("kendall_tau");
  if (g.has_attr("kendall_tau_se")) r.kendall_tau_se = g.double_attr("kendall_tau_se");
  r.mean_target = g.double_attr("mean_target");
  if (g.has_attr("cv_folds")) {
    r.cv_folds = g.int_attr("cv_folds");
    r.cv_kendall_tau = g.double_attr("cv_kendall_tau");
    r.cv_kendall_tau_se = g.double_attr("cv_kendall_tau_se");
  }
  r.label_target = g.string_attr("label_target");
  r.label_items = g.int_attr("label_items");
  r.label_split_half_tau = g.double_attr("label_split_half_tau");
  r.label_split_half_pearson = g.double_attr("label_split_half_pearson");
  r.label_reliability = g.double_attr("label_reliability");
  r.label_tau_ceiling = g.double_attr("label_tau_ceiling");
  const std::int64_t members = g.int_attr("members");
  if (members < 1) g.fail("no ensemble members");
  if (with_weights)
    for (std::int64_t i = 0; i < members; ++i) r.members.push_back(read_named_arrays(g, "members/" + std::to_string(i)));
  r.heldout_target = g.read<double>("heldout/target");
  r.heldout_predicted = g.read<double>("heldout/predicted");
  r.heldout_stddev = g.read<double>("heldout/stddev");
  if (r.heldout_target.size() != r.heldout_predicted.size() || r.heldout_target.size() != r.heldout_stddev.size())
    g.fail("heldout/target, heldout/predicted and heldout/stddev differ in length");
  return r;
}

}  // namespace

void save_predictor(const std::string& path, const RunMeta& meta, const std::string& name,
                    const PredictorRecord& record) {
  check_name(path, name);
  if (record.heldout_target.size() != record.heldout_predicted.size() ||
      record.heldout_target.size() != record.heldout_stddev.size())
    throw std::invalid_argument(path + ": predictor '" + name + "': " +
                                std::to_string(record.heldout_target.size()) + " held-out targets but " +
                                std::to_string(record.heldout_predicted.size()) + " predictions and " +
                                std::to_string(record.heldout_stddev.size()) + " spreads");
  if (record.members.empty()) throw std::invalid_argument(path + ": predictor '" + name + "' has no members");
  std::vector<std::pair<std::string, PredictorRecord>> others;
  if (h5::file_exists(path)) {
    check_same_run_if_exists(path, run_kind::predictors, meta);
    others = read_predictors(path, true).predictors;
  }
  bool replaced = false;
  h5::File file = h5::File::create(path);
  stamp_run_file(file, run_kind::predictors, meta);
  for (const auto& [other, r] : others) {  // file order kept; `name` replaced in place
    replaced = replaced || other == name;
    write_predictor(file, other, other == name ? record : r);
  }
  if (!replaced) write_predictor(file, name, record);
  file.commit();
}

std::optional<PredictorRecord> load_predictor(const std::string& path, const RunMeta& meta,
                                              const std::string& name) {
  if (!h5::file_exists(path)) return std::nullopt;
  const RunFile file = RunFile::open_read(path);
  check_same_run(file, run_kind::predictors, meta);
  if (!file.is_group(name)) return std::nullopt;
  return read_predictor(file, name, true);
}

PredictorFile read_predictors(const std::string& path, bool with_weights) {
  const RunFile file = RunFile::open_read(path);
  const std::string kind = run_file_kind(file);
  if (kind != run_kind::predictors)
    throw std::runtime_error(path + ": is an apq-actors " + kind + " file, not " + run_kind::predictors);
  PredictorFile out;
  out.meta = read_run_meta(file);
  for (const auto& name : file.children())
    if (file.is_group(name)) out.predictors.emplace_back(name, read_predictor(file, name, with_weights));
  return out;
}

}  // namespace apq
