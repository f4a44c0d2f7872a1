// Helpers shared by the run-file store tests.
#pragma once
#include <string>

#include "io/hdf5_file.hpp"
#include "io/run_meta.hpp"
#include "tests/io/io_test_util.hpp"

namespace apq::test {

inline RunMeta sample_meta(std::int64_t seed = 7) {
  return {seed, "stages=2 depth=1,2 kernel=3,5 expand=3,6", "[run]\nseed = 7\n", "0.1.0"};
}

// An HDF5 file that is not ours: valid, with a dataset, but no schema attribute.
inline void write_foreign_file(const std::string& path) {
  h5::File f = h5::File::create(path);
  f.write<double>("x", {3}, {1, 2, 3});
  f.commit();
}

inline bool have_h5py() { return run("/usr/bin/python3 -c 'import h5py' 2>/dev/null") == 0; }

}  // namespace apq::test
