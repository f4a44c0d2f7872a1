#include "io/streamed_images.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "io/hdf5_detail.hpp"

namespace apq {
namespace {

class Hdf5ImageRows final : public ImageRows {
 public:
  Hdf5ImageRows(const std::string& path, std::int64_t cache_bytes)
      : file_(h5::File::open(path, h5::Locking::off)) {
    h5::detail::silence_hdf5_errors();
    h5::Handle access(H5Pcreate(H5P_DATASET_ACCESS));
    // 521 hash slots (a prime, as HDF5 advises); w0 = 1: chunks read in full are evicted first.
    H5Pset_chunk_cache(access.get(), 521, static_cast<std::size_t>(std::max<std::int64_t>(cache_bytes, 0)), 1.0);
    dataset_ = h5::Handle(H5Dopen2(file_.id(), "images", access.get()));
    if (!dataset_.valid()) h5::detail::throw_error(path, "cannot open 'images' for streaming");
    h5::Handle space(H5Dget_space(dataset_.get()));
    hsize_t dims[4] = {0, 0, 0, 0};
    if (H5Sget_simple_extent_ndims(space.get()) != 4 || H5Sget_simple_extent_dims(space.get(), dims, nullptr) != 4)
      h5::detail::throw_error(path, "'images' is not N x C x H x W");
    for (int i = 0; i < 4; ++i) dims_[i] = dims[i];
  }

  std::string path() const override { return file_.path(); }

  void read(const std::vector<std::int64_t>& rows, std::uint8_t* out) const override {
    if (rows.empty()) return;
    h5::detail::silence_hdf5_errors();
    const std::size_t stride = static_cast<std::size_t>(dims_[1] * dims_[2] * dims_[3]);
    for (std::int64_t r : rows)
      if (r < 0 || static_cast<hsize_t>(r) >= dims_[0])
        throw std::runtime_error(path() + ": image row " + std::to_string(r) + " out of range (the file holds " +
                                 std::to_string(dims_[0]) + ")");
    // HDF5 returns a selection in file order: read the distinct rows sorted, then place them.
    std::vector<std::int64_t> sorted(rows);
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    const bool in_place = sorted == rows;  // already ascending and distinct (a slice, say)
    std::vector<std::uint8_t> staging(in_place ? 0 : sorted.size() * stride);
    read_sorted(sorted, in_place ? out : staging.data());
    if (in_place) return;
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const auto at = std::lower_bound(sorted.begin(), sorted.end(), rows[k]) - sorted.begin();
      std::memcpy(out + k * stride, staging.data() + static_cast<std::size_t>(at) * stride, stride);
    }
  }

 private:
  // Ascending distinct rows, selected as runs of consecutive rows.
  void read_sorted(const std::vector<std::int64_t>& sorted, std::uint8_t* out) const {
    h5::Handle file_space(H5Dget_space(dataset_.get()));
    H5Sselect_none(file_space.get());
    for (std::size_t begin = 0; begin < sorted.size();) {
      std::size_t end = begin + 1;
      while (end < sorted.size() && sorted[end] == sorted[end - 1] + 1) ++end;
      const hsize_t start[4] = {static_cast<hsize_t>(sorted[begin]), 0, 0, 0};
      const hsize_t block[4] = {static_cast<hsize_t>(end - begin), dims_[1], dims_[2], dims_[3]};
      if (H5Sselect_hyperslab(file_space.get(), H5S_SELECT_OR, start, nullptr, block, nullptr) < 0)
        h5::detail::throw_error(path(), "cannot select image rows");
      begin = end;
    }
    const hsize_t count[4] = {static_cast<hsize_t>(sorted.size()), dims_[1], dims_[2], dims_[3]};
    h5::Handle mem_space(H5Screate_simple(4, count, nullptr));
    if (H5Dread(dataset_.get(), H5T_NATIVE_UINT8, mem_space.get(), file_space.get(), H5P_DEFAULT, out) < 0)
      h5::detail::throw_error(path(), "cannot read image rows");
  }

  h5::File file_;
  h5::Handle dataset_;
  hsize_t dims_[4] = {0, 0, 0, 0};
};

}  // namespace

std::shared_ptr<const ImageRows> open_image_rows(const std::string& path, std::int64_t cache_bytes) {
  return std::make_shared<Hdf5ImageRows>(path, cache_bytes);
}

}  // namespace apq
