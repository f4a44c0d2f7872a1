// IDX files, gzip'ed or plain (zlib's gzread reads both; gzdirect() tells which it was).
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "io/image_data.hpp"

namespace apq {

namespace {

constexpr std::uint32_t kImagesMagic = 0x00000803;  // unsigned byte, 3 dimensions
constexpr std::uint32_t kLabelsMagic = 0x00000801;  // unsigned byte, 1 dimension

std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
    if (!file_) {
      std::FILE* probe = std::fopen(path.c_str(), "rb");
      if (!probe) fail(path, "cannot open (no such file or no permission)");
      std::fclose(probe);
      fail(path, "cannot open");
    }
    gzbuffer(file_, 1 << 20);  // before the first read: big reads are what make this fast
  }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;
  ~GzReader() { gzclose(file_); }

  // Up to `limit` bytes; fewer only at the end of the data. A corrupt stream throws; a stream
  // cut short just ends (the caller reports the truncation with the byte count).
  std::vector<std::uint8_t> read_up_to(std::size_t limit) {
    std::vector<std::uint8_t> out;
    out.reserve(std::min<std::size_t>(limit, std::size_t{1} << 28));
    constexpr std::size_t kChunk = std::size_t{16} << 20;
    while (out.size() < limit) {
      const std::size_t want = std::min(kChunk, limit - out.size());
      const std::size_t old = out.size();
      out.resize(old + want);
      const int got = gzread(file_, out.data() + old, static_cast<unsigned>(want));
      if (got < 0) check_error();
      out.resize(old + static_cast<std::size_t>(std::max(got, 0)));
      if (static_cast<std::size_t>(got) < want) {
        check_error();
        break;
      }
    }
    return out;
  }

  std::uint32_t read_u32(const char* field) {
    const auto bytes = read_up_to(4);
    if (bytes.size() < 4) fail(path_, std::string("truncated: no room for the header's ") + field);
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
           (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
  }

 private:
  void check_error() {
    int code = Z_OK;
    const char* message = gzerror(file_, &code);
    if (code == Z_BUF_ERROR) return;  // "unexpected end of file": the caller reports truncation
    if (code != Z_OK && code != Z_STREAM_END)
      fail(path_, std::string("corrupt gzip data (") + (message ? message : "zlib error") + ")");
  }

  std::string path_;
  gzFile file_;
};

void check_magic(const std::string& path, std::uint32_t magic, std::uint32_t expected,
                 const char* kind) {
  if (magic == expected) return;
  std::string hint;
  if (magic == kImagesMagic) hint = "; it is an IDX image file";
  if (magic == kLabelsMagic) hint = "; it is an IDX label file";
  if ((magic >> 16) == 0x1f8b) hint = "; gzip data inside gzip?";
  fail(path, std::string("not an IDX ") + kind + " file (magic " + hex(magic) + ", expected " +
                 hex(expected) + hint + ")");
}

}  // namespace

ImageSet read_idx(const std::string& images_path, const std::string& labels_path, int num_classes) {
  if (num_classes < 1 || num_classes > 256)
    throw std::runtime_error("read_idx: num_classes must be in 1..256, got " +
                                std::to_string(num_classes));
  ImageSet set;
  set.num_classes = num_classes;
  set.channels = 1;
  {
    GzReader in(images_path);
    check_magic(images_path, in.read_u32("magic number"), kImagesMagic, "image");
    const std::uint32_t count = in.read_u32("image count");
    const std::uint32_t rows = in.read_u32("row count");
    const std::uint32_t cols = in.read_u32("column count");
    if (count == 0) fail(images_path, "header promises no images");
    if (rows == 0 || cols == 0 || rows > 65536 || cols > 65536 || count > (1u << 31) - 1)
      fail(images_path, "implausible dimensions in the header: " + std::to_string(count) +
                            " images of " + std::to_string(rows) + "x" + std::to_string(cols));
    const std::size_t promised = std::size_t{count} * rows * cols;
    set.pixels = in.read_up_to(promised + 1);  // one more byte reveals trailing data
    const std::string header = "header promises " + std::to_string(count) + " images of " +
                               std::to_string(rows) + "x" + std::to_string(cols);
    if (set.pixels.size() < promised)
      fail(images_path, "truncated: " + header + ", file holds " +
                            std::to_string(set.pixels.size()) + " bytes of pixels");
    if (set.pixels.size() > promised)
      fail(images_path, "trailing data: " + header + " (" + std::to_string(promised) +
                            " bytes), file holds more");
    set.count = static_cast<int>(count);
    set.height = static_cast<int>(rows);
    set.width = static_cast<int>(cols);
  }
  {
    GzReader in(labels_path);
    check_magic(labels_path, in.read_u32("magic number"), kLabelsMagic, "label");
    const std::uint32_t count = in.read_u32("label count");
    if (count != static_cast<std::uint32_t>(set.count))
      fail(labels_path, "header promises " + std::to_string(count) + " labels but " + images_path +
                            " holds " + std::to_string(set.count) + " images");
    const auto bytes = in.read_up_to(std::size_t{count} + 1);
    if (bytes.size() < count)
      fail(labels_path, "truncated: header promises " + std::to_string(count) +
                            " labels, file holds " + std::to_string(bytes.size()));
    if (bytes.size() > count)
      fail(labels_path, "trailing data: header promises " + std::to_string(count) +
                            " labels, file holds more");
    set.labels.assign(bytes.begin(), bytes.end());
  }
  for (std::size_t i = 0; i < set.labels.size(); ++i)
    if (set.labels[i] >= num_classes)
      fail(labels_path, "label " + std::to_string(set.labels[i]) + " at index " +
                            std::to_string(i) + " is outside 0.." + std::to_string(num_classes - 1));
  return set;
}

}  // namespace apq
