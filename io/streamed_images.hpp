// Image sets that stay on disk: rows of an HDF5 image set's "images" dataset read on demand,
// so a rank holds only the batches it is working on (plus HDF5's chunk cache), however large
// the file. docs/DATA.md, "Streamed image sets".
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "base/image_set.hpp"

namespace apq {

// Opens path's "images" dataset for row reads (the file stays open while the reader lives).
// cache_bytes: HDF5's chunk cache for a chunked dataset (unused for a contiguous one).
std::shared_ptr<const ImageRows> open_image_rows(const std::string& path, std::int64_t cache_bytes);

// The whole HDF5 image set streamed: labels checked and kept in memory, pixels left on disk.
ImageSet stream_image_set(const std::string& path, std::int64_t cache_bytes);

}  // namespace apq
