#include "app/options.hpp"

#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "app/option_lists.hpp"
#include "embedded_config.hpp"
#include "kernels/bitfusion_model.hpp"
#include "kernels/cost_model.hpp"

namespace po = boost::program_options;

namespace apq {
namespace {

// Raw text of list-valued keys, converted after parsing so errors can name the key.
struct SpaceText {
  std::string widths, strides, depths, kernels, expands, bits;
};

// A seed is a non-negative integer: boost's unsigned parsing alone wraps "-3" around to 2^64 - 3.
struct Seed {
  std::uint64_t value = 1;
};

void validate(boost::any& v, const std::vector<std::string>& values, Seed*, int) {
  po::validators::check_first_occurrence(v);
  const std::string& text = po::validators::get_single_string(values);
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
    throw po::invalid_option_value(text);
  try {
    v = Seed{std::stoull(text)};
  } catch (const std::out_of_range&) {
    throw po::invalid_option_value(text);
  }
}

po::options_description run_section(RunOptions& o, Seed& seed) {
  po::options_description d("Run");
  d.add_options()
      ("run-dir", po::value(&o.run_dir)->default_value(o.run_dir), "directory for every output file of the run")
      ("stage", po::value(&o.stage)->default_value(o.stage), "stage to run: all, or one of the pipeline stages")
      ("seed", po::value(&seed)->default_value(Seed{o.seed}, std::to_string(o.seed)),
       "run seed, a non-negative integer: the same seed and config give the same results")
      ("threads", po::value(&o.threads)->default_value(o.threads), "compute threads per rank (0: cores on the node / ranks on the node)");
  return d;
}

po::options_description data_section(DataConfig& c) {
  po::options_description d("Data [data]");
  d.add_options()
      ("data.dir", po::value(&c.dir)->default_value(c.dir), "folder with the data files")
      ("data.format", po::value(&c.format)->default_value(c.format), "idx (gzip'ed or plain IDX, as Debian ships Fashion-MNIST) or hdf5 (train.h5, test.h5)")
      ("data.train-size", po::value(&c.train_size)->default_value(c.train_size), "training images taken from the training file")
      ("data.val-size", po::value(&c.val_size)->default_value(c.val_size), "validation images taken from the training file (disjoint from training)")
      ("data.subset-train", po::value(&c.subset_train)->default_value(c.subset_train), "use only the first N training images (0: all)")
      ("data.subset-val", po::value(&c.subset_val)->default_value(c.subset_val), "use only the first N validation images (0: all)")
      ("data.subset-test", po::value(&c.subset_test)->default_value(c.subset_test), "use only the first N test images (0: all)")
      ("data.stream", po::value(&c.stream)->default_value(c.stream), "hdf5 only: leave the images on disk and read each batch when needed (memory stays flat as the data grows; same results)")
      ("data.stream-cache-mb", po::value(&c.stream_cache_mb)->default_value(c.stream_cache_mb), "HDF5 chunk cache per streamed file, MiB (chunked files only)");
  return d;
}

po::options_description space_section(SpaceSpec& s, SpaceText& t) {
  t.widths = join_ints([&] { std::vector<int> v; for (auto& st : s.stages) v.push_back(st.width); return v; }());
  t.strides = join_ints([&] { std::vector<int> v; for (auto& st : s.stages) v.push_back(st.stride); return v; }());
  t.depths = join_ints(s.stages.front().depths);
  t.kernels = join_ints(s.kernels);
  t.expands = join_ints(s.expands);
  t.bits = join_ints(s.bits);
  po::options_description d("Search space [space]");
  d.add_options()
      ("space.in-channels", po::value(&s.in_channels)->default_value(s.in_channels), "image channels (1 grey, 3 RGB; must match the data)")
      ("space.classes", po::value(&s.num_classes)->default_value(s.num_classes), "number of classes")
      ("space.image-size", po::value(&s.image_size)->default_value(s.image_size), "input image side in pixels (must match the data)")
      ("space.stem-width", po::value(&s.stem_width)->default_value(s.stem_width), "channels of the first conv")
      ("space.stem-stride", po::value(&s.stem_stride)->default_value(s.stem_stride), "stride of the first conv")
      ("space.first-block-width", po::value(&s.first_block_width)->default_value(s.first_block_width), "channels of the fixed first block")
      ("space.widths", po::value(&t.widths)->default_value(t.widths), "output channels per searchable stage, comma-separated")
      ("space.strides", po::value(&t.strides)->default_value(t.strides), "stride of each stage's first block, comma-separated")
      ("space.depths", po::value(&t.depths)->default_value(t.depths), "depth choices of every stage, comma-separated")
      ("space.kernels", po::value(&t.kernels)->default_value(t.kernels), "depthwise kernel choices")
      ("space.expands", po::value(&t.expands)->default_value(t.expands), "expand-ratio choices")
      ("space.fine-grained-width", po::value(&s.fine_grained_width)->default_value(s.fine_grained_width), "width choices: every multiple of 8 between 4x and 6x the block input")
      ("space.head-width", po::value(&s.head_width)->default_value(s.head_width), "channels of the last 1x1 conv")
      ("space.bits", po::value(&t.bits)->default_value(t.bits), "bit widths a policy may use (2..8)");
  return d;
}

void finish_space(SpaceSpec& s, const SpaceText& t) {
  const auto widths = parse_ints("space.widths", t.widths);
  const auto strides = parse_ints("space.strides", t.strides);
  const auto depths = parse_ints("space.depths", t.depths);
  if (widths.size() != strides.size())
    throw UsageError("space.widths has " + std::to_string(widths.size()) + " stages but space.strides has " + std::to_string(strides.size()));
  s.stages.clear();
  for (std::size_t i = 0; i < widths.size(); ++i) s.stages.push_back({widths[i], strides[i], depths});
  s.kernels = parse_ints("space.kernels", t.kernels);
  s.expands = parse_ints("space.expands", t.expands);
  s.bits = parse_ints("space.bits", t.bits);
  try {
    SearchSpace check(s);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

void check_run(const RunOptions& o) {
  if (o.threads < 0) throw UsageError("threads must be 0 (automatic) or positive, not " + std::to_string(o.threads));
  if (o.run_dir.empty()) throw UsageError("run-dir must not be empty");
  const DataConfig& d = o.data;
  if (d.format != "idx" && d.format != "hdf5") throw UsageError("data.format must be idx or hdf5, not '" + d.format + "'");
  if (d.train_size <= 0 || d.val_size <= 0) throw UsageError("data.train-size and data.val-size must be positive");
  if (d.subset_train < 0 || d.subset_val < 0 || d.subset_test < 0) throw UsageError("data.subset-* must be 0 (all) or positive");
  if (d.stream && d.format != "hdf5") throw UsageError("data.stream needs data.format = hdf5 (IDX files are read whole)");
  if (d.stream_cache_mb < 0 || d.stream_cache_mb > (1 << 20)) throw UsageError("data.stream-cache-mb must be 0..1048576");
  // With the analytic cost table the config alone shows whether anything fits the budget.
  const Budget& budget = o.pipeline.search.evolution.budget;
  if (budget.any() && o.pipeline.cost.table == "bitfusion") {
    const SearchSpace space(o.space);
    const std::string problem = budget_problem(space, CostModel(space, bitfusion_table(space)), budget);
    if (!problem.empty()) throw UsageError("search: " + problem);
  }
}

// The value of one option as text (the option types used in this file).
std::string value_text(const boost::any& v) {
  if (auto p = boost::any_cast<std::string>(&v)) return *p;
  if (auto p = boost::any_cast<int>(&v)) return std::to_string(*p);
  if (auto p = boost::any_cast<std::int64_t>(&v)) return std::to_string(*p);
  if (auto p = boost::any_cast<std::uint64_t>(&v)) return std::to_string(*p);
  if (auto p = boost::any_cast<Seed>(&v)) return std::to_string(p->value);
  if (auto p = boost::any_cast<bool>(&v)) return *p ? "true" : "false";
  if (auto p = boost::any_cast<double>(&v)) {
    // The shortest text that reads back as the same double: 0.05, not 0.050000000000000003.
    for (int digits = 1;; ++digits) {
      std::ostringstream out;
      out << std::setprecision(digits) << *p;
      if (digits >= 17 || std::stod(out.str()) == *p) return out.str();
    }
  }
  return "?";
}

// Every config key with the value in effect, grouped by section, in INI form.
std::string resolve_config(const po::options_description& keys, const po::variables_map& vm) {
  std::ostringstream out;
  std::string section;
  for (const auto& option : keys.options()) {
    const std::string& name = option->long_name();
    const auto dot = name.find('.');
    const std::string this_section = dot == std::string::npos ? "" : name.substr(0, dot);
    if (this_section != section) {
      out << "\n[" << this_section << "]\n";
      section = this_section;
    }
    const auto it = vm.find(name);
    if (it != vm.end()) out << name.substr(dot == std::string::npos ? 0 : dot + 1) << " = " << value_text(it->second.value()) << '\n';
  }
  return out.str();
}

// The command line over a config: config_text when given (a run file's resolved config), else
// --config FILE, else the embedded default.
ParsedCommandLine parse_options(int argc, const char* const argv[], const std::string* config_text,
                                const std::string& config_text_name, std::string& printed) {
  ParsedCommandLine parsed;
  RunOptions& o = parsed.options;
  o.space = default_fmnist_space();
  SpaceText space_text;
  std::string config_path;

  po::options_description program("Program (command line only)");
  program.add_options()
      ("help,h", "print this help and exit")
      ("version", "print the version and exit")
      ("config", po::value(&config_path), "INI config file (default: the embedded configs/quick.ini)")
      ("dry-run", po::bool_switch(&o.dry_run), "validate the config, print the plan, run nothing");
  Seed seed{o.seed};
  po::options_description keys;
  keys.add(run_section(o, seed)).add(data_section(o.data)).add(space_section(o.space, space_text));
  PipelineText pipeline_text;
  add_pipeline_options(keys, o.pipeline, pipeline_text);
  po::options_description all;
  all.add(program).add(keys);

  po::variables_map vm;
  try {
    // The command line is stored first: Program_options keeps the first value, so it wins.
    po::store(po::command_line_parser(argc, argv).options(all).run(), vm);
    if (vm.count("help")) {
      std::ostringstream text;
      text << "Usage: mpirun -np N apq-actors [--config FILE] [--run-dir DIR] [--stage NAME] [options]\n\n"
           << "Runs the APQ pipeline (supernet, accuracy data, predictor, search, fine-tune) as actors over MPI ranks.\n"
           << "Every config key can be given on the command line as --section.key VALUE; the command line wins.\n\n"
           << all;
      printed = text.str();
      parsed.exit_now = true;
      return parsed;
    }
    if (vm.count("version")) {
      printed = std::string("apq-actors ") + APQ_VERSION + "\n";
      parsed.exit_now = true;
      return parsed;
    }
    if (config_text != nullptr) {
      std::istringstream text(*config_text);
      o.config_name = config_text_name;
      po::store(po::parse_config_file(text, keys), vm);
    } else if (vm.count("config")) {
      config_path = vm["config"].as<std::string>();
      if (!std::filesystem::is_regular_file(config_path)) throw UsageError("config file not found: " + config_path);
      std::ifstream file(config_path);
      if (!file) throw UsageError("cannot read config file: " + config_path);
      o.config_name = config_path;
      po::store(po::parse_config_file(file, keys), vm);
    } else {
      std::istringstream embedded(kEmbeddedConfig);
      o.config_name = kEmbeddedConfigName;
      po::store(po::parse_config_file(embedded, keys), vm);
    }
    po::notify(vm);
    o.seed = seed.value;
    o.data.seed = o.seed;  // the split follows the run seed
  } catch (const po::error& e) {
    throw UsageError(o.config_name.empty() ? e.what() : std::string(e.what()) + " (config: " + o.config_name + ")");
  }
  finish_space(o.space, space_text);
  finish_pipeline_options(o.pipeline, pipeline_text, o.seed);
  check_run(o);
  o.resolved_config = resolve_config(keys, vm);
  return parsed;
}

}  // namespace

void resolve_rank_dependent_keys(RunOptions& options, int ranks) {
  if (options.pipeline.search.islands != 0) return;
  options.pipeline.search.islands = ranks;
  const std::string section = "\n[search]\n", line = "\nislands = ";
  std::string& text = options.resolved_config;
  const auto start = text.find(section);
  const auto at = start == std::string::npos ? std::string::npos : text.find(line, start + section.size() - 1);
  const auto next_section = start == std::string::npos ? std::string::npos : text.find("\n[", start + 1);
  if (at == std::string::npos || at > next_section) throw std::logic_error("resolved config without [search] islands");
  const auto end = text.find('\n', at + 1);
  text.replace(at + line.size(), end - at - line.size(), std::to_string(ranks));
}

ParsedCommandLine parse_command_line(int argc, const char* const argv[], std::string& printed) {
  return parse_options(argc, argv, nullptr, "", printed);
}

RunOptions parse_config_text(const std::string& ini, const std::string& name) {
  const char* argv[] = {"apq-actors"};
  std::string printed;
  return parse_options(1, argv, &ini, name, printed).options;
}

}  // namespace apq
