#include "pipeline/run_context.hpp"

#include <filesystem>
#include <iostream>
#include <sstream>

#include "app/option_lists.hpp"
#include "pipeline/scenario.hpp"

namespace apq {

std::string describe_space(const SpaceSpec& s) {
  std::vector<int> widths, strides;
  for (const auto& st : s.stages) {
    widths.push_back(st.width);
    strides.push_back(st.stride);
  }
  std::ostringstream out;
  out << "image=" << s.in_channels << "x" << s.image_size << " classes=" << s.num_classes << " stem=" << s.stem_width
      << "/s" << s.stem_stride << " first=" << s.first_block_width << " widths=" << join_ints(widths)
      << " strides=" << join_ints(strides) << " depths=" << join_ints(s.stages.front().depths)
      << " kernels=" << join_ints(s.kernels)
      << (s.fine_grained_width ? std::string(" widths=fine-grained") : " expands=" + join_ints(s.expands))
      << " head=" << s.head_width << " bits=" << join_ints(s.bits);
  return out.str();
}

RunContext::RunContext(RunOptions o, ProcessInfo p) : options(std::move(o)), process(std::move(p)) {
  space = std::make_unique<SearchSpace>(options.space);
  encoding = std::make_unique<Encoding>(*space);
  meta.seed = static_cast<std::int64_t>(options.seed);
  meta.space = describe_space(options.space);
  meta.config = options.resolved_config;
  meta.version = APQ_VERSION;
  scenario = scenario_name(options.resolved_config);
  data = load_splits(options.data);
  if (data.train.height != options.space.image_size || data.train.channels != options.space.in_channels)
    throw std::runtime_error("data: images are " + std::to_string(data.train.channels) + "x" +
                             std::to_string(data.train.height) + "x" + std::to_string(data.train.width) +
                             " but the space expects " + std::to_string(options.space.in_channels) + "x" +
                             std::to_string(options.space.image_size) + " (space.image-size)");
  if (leader()) std::filesystem::create_directories(options.run_dir);
}

std::string RunContext::file(const std::string& name) const {
  return (std::filesystem::path(options.run_dir) / name).string();
}

std::string RunContext::scenario_file(const std::string& name) const {
  return (std::filesystem::path(options.run_dir) / scenario_folder(scenario) / name).string();
}

void say(const RunContext& ctx, const std::string& line) {
  if (ctx.leader()) std::cout << line << std::endl;
}

}  // namespace apq
