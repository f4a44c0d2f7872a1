// Named float arrays (base/named_arrays.hpp) stored in an HDF5 group: one float32 dataset per
// array, with the array's shape.
//
// Layout: all arrays are direct members of one group, in write order (creation order is tracked,
// so read_named_arrays returns them in the order written). Names are kept flat: '/' and '%' in a
// name are escaped as "%2F" and "%25" (a name "." as "%2E"), so "features.0/conv" is stored as
// the dataset "features.0%2Fconv". Torch parameter names ("blocks.3.conv.weight") need no escape.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "base/named_arrays.hpp"
#include "io/hdf5_file.hpp"

namespace apq {

std::string escape_array_name(const std::string& name);
std::string unescape_array_name(const std::string& stored);

// Creates group_path (and its parents) in file and writes every array there; the group must not
// exist yet. Names must be non-empty and unique; sizes must match shapes. Throws otherwise.
void write_named_arrays(h5::Group& parent, const std::string& group_path, const NamedArrays& arrays);

// Reads every dataset of group_path (each must be a floating-point array).
NamedArrays read_named_arrays(const h5::Group& parent, const std::string& group_path);

}  // namespace apq
