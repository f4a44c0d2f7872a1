// apq-h5 export --models: runs the apq-h5-models program that sits beside apq-h5 (the model export
// needs LibTorch, which the other commands should not load).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "tools/h5tool_commands.hpp"

namespace apq::h5tool {

void exec_export_models(const std::string& path, const std::string& out_dir) {
  const std::filesystem::path program = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "apq-h5-models";
  std::vector<std::string> args = {program.string(), path};
  if (!out_dir.empty()) args.push_back(out_dir);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  throw std::runtime_error("export --models needs " + program.string() + " (" + std::strerror(errno) +
                           "; build it with: cmake --build build --target apq-h5-models)");
}

}  // namespace apq::h5tool
