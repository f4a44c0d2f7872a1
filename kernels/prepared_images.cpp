#include "kernels/prepared_images.hpp"

#include <map>
#include <mutex>
#include <tuple>

#include "kernels/batches.hpp"
#include "kernels/bn_calibration.hpp"

namespace apq {
namespace {

enum class Kind { whole, sample, view };
// (set, kind, count, mean, stddev); the seed is the entry's, so a new seed replaces it.
using Key = std::tuple<const ImageSet*, Kind, int, float, float>;

struct Entry {
  std::uint64_t seed = 0;
  std::shared_ptr<const ImageTensors> tensors;
};

}  // namespace

struct PreparedImages::Impl {
  std::mutex mutex;
  std::map<Key, Entry> entries;

  template <class Make>
  std::shared_ptr<const ImageTensors> get(const Key& key, std::uint64_t seed, Make make) {
    std::lock_guard<std::mutex> lock(mutex);
    Entry& e = entries[key];
    if (!e.tensors || e.seed != seed) e = {seed, std::make_shared<const ImageTensors>(make())};
    return e.tensors;
  }
};

PreparedImages::PreparedImages() : impl_(std::make_unique<Impl>()) {}
PreparedImages::~PreparedImages() = default;

std::shared_ptr<const ImageTensors> PreparedImages::whole(const ImageSet& set, const Normalisation& norm) {
  return impl_->get({&set, Kind::whole, 0, norm.mean, norm.stddev}, 0, [&] { return to_tensors(set, norm); });
}

std::shared_ptr<const ImageTensors> PreparedImages::sample(const ImageSet& set, int count, std::uint64_t seed,
                                                           const Normalisation& norm, bool view) {
  const Key key{&set, view ? Kind::view : Kind::sample, count, norm.mean, norm.stddev};
  return impl_->get(key, seed, [&] {
    const auto indices = calibration_indices(set.count, count, seed);
    return to_tensors(view ? subset_view(set, indices) : subset(set, indices), norm);
  });
}

}  // namespace apq
