#include "tools/h5tool_common.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "io/run_meta.hpp"

namespace apq::h5tool {

namespace fs = std::filesystem;

namespace {

bool is_permanent_error(const std::string& message) {
  return message.find("not an apq-actors") != std::string::npos ||
         message.find("no such file") != std::string::npos ||
         message.find("not an HDF5 file") != std::string::npos ||
         message.find("schema version") != std::string::npos;
}

char g_reading[4096] = "(no file)";  // read by the signal handler: a plain buffer

void on_crash(int) {
  static const char head[] = "apq-h5: error: ";
  static const char tail[] = ": corrupt file (the HDF5 library crashed while reading it)\n";
  ssize_t ignored = ::write(2, head, sizeof head - 1);
  ignored = ::write(2, g_reading, std::strlen(g_reading));
  ignored = ::write(2, tail, sizeof tail - 1);
  (void)ignored;
  ::_exit(2);
}

RunFileEntry identify(const std::string& path) {
  note_reading(path);
  RunFileEntry e;
  e.path = path;
  with_retries(path, [&] {
    const RunFile file = RunFile::open_read(path);
    e.kind = run_file_kind(file, &e.version);
  });
  return e;
}

}  // namespace

void install_crash_handler() {
  struct sigaction action {};
  action.sa_handler = on_crash;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) sigaction(sig, &action, nullptr);
}

void note_reading(const std::string& path) {
  const std::size_t n = std::min(path.size(), sizeof g_reading - 1);
  std::memcpy(g_reading, path.data(), n);
  g_reading[n] = '\0';
}

void with_retries(const std::string& path, const std::function<void()>& read) {
  note_reading(path);
  for (int attempt = 0;; ++attempt) {
    try {
      read();
      return;
    } catch (const std::exception& e) {
      if (attempt >= 3 || is_permanent_error(e.what())) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(40 << attempt));
    }
  }
}

int print_error(const std::exception& e) {
  std::string message = e.what();
  for (char& c : message)
    if (c == '\n') c = ' ';
  std::fprintf(stderr, "apq-h5: error: %s\n", message.c_str());
  return 2;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string base_name(const std::string& path) { return fs::path(path).filename().string(); }

std::vector<RunFileEntry> list_run_files(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error(path + ": no such file or directory");
  if (!S_ISDIR(st.st_mode)) return {identify(path)};
  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(path))
    if (entry.is_regular_file() && entry.path().extension() == ".h5") paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  std::vector<RunFileEntry> out;
  for (const auto& p : paths) {
    try {
      out.push_back(identify(p));
    } catch (const std::exception& e) {
      RunFileEntry bad;
      bad.path = p;
      bad.error = e.what();
      out.push_back(bad);
    }
  }
  // Pipeline order, then other kinds, then unreadable files; within a kind the file the pipeline
  // names after it first (quant_dataset.h5 before finetune_gain.h5, which has its layout).
  static const std::vector<std::string> order = {"cost-table", run_kind::supernet, run_kind::fp_dataset, run_kind::quant_dataset,
                                                 run_kind::predictors, run_kind::search,     run_kind::final_models};
  auto rank = [&](const RunFileEntry& e) {
    const auto it = std::find(order.begin(), order.end(), e.kind);
    std::string own_name = e.kind + ".h5";
    std::replace(own_name.begin(), own_name.end(), '-', '_');
    return std::make_pair(e.kind.empty() ? order.size() + 1 : static_cast<std::size_t>(it - order.begin()),
                          base_name(e.path) != own_name);
  };
  std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  if (out.empty()) throw std::runtime_error(path + ": no .h5 files in this directory");
  return out;
}

std::string find_run_file_of(const std::string& path, const std::vector<std::string>& kinds, std::string* kind) {
  const auto files = list_run_files(path);
  for (const auto& want : kinds)
    for (const auto& f : files)
      if (f.kind == want) {
        if (kind) *kind = want;
        return f.path;
      }
  std::string names;
  for (const auto& k : kinds) names += (names.empty() ? "" : " or ") + k;
  if (!is_directory(path))
    throw std::runtime_error(path + ": is an apq-actors " + files.front().kind + " file, expected " + names);
  throw std::runtime_error(path + ": no " + names + " file in this directory");
}

std::string find_run_file(const std::string& path, const std::string& kind) {
  return find_run_file_of(path, {kind}, nullptr);
}

std::string exact_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string text_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace apq::h5tool
