#include <gtest/gtest.h>

#include "io/named_arrays.hpp"
#include "tests/io/io_test_util.hpp"

namespace apq {
namespace {

using test::error_of;

NamedArrays sample_arrays() {
  return {
      {"stem.conv.weight", {2, 1, 3, 3}, std::vector<float>(18, 0.5f)},
      {"blocks.0/bn%running_mean", {2}, {-1.0f, 2.5f}},
      {"step", {}, {7.0f}},
      {"empty", {0, 4}, {}},
      {"a.bias", {3}, {1e-30f, -0.0f, 3.0f}},
  };
}

TEST(NamedArrays, RoundTripKeepsNamesShapesValuesAndOrder) {
  test::ScratchDir dir;
  const std::string path = dir.file("ckpt.h5");
  {
    h5::File f = h5::File::create(path);
    write_named_arrays(f, "model/weights", sample_arrays());
    f.commit();
  }
  const h5::File f = h5::File::open(path);
  const NamedArrays back = read_named_arrays(f, "model/weights");
  const NamedArrays want = sample_arrays();
  ASSERT_EQ(back.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(back[i].name, want[i].name);
    EXPECT_EQ(back[i].shape, want[i].shape) << want[i].name;
    EXPECT_EQ(back[i].values, want[i].values) << want[i].name;
  }
  // Stored flat, escaped.
  EXPECT_TRUE(f.open_group("model/weights").exists("blocks.0%2Fbn%25running_mean"));
}

TEST(NamedArrays, EscapingIsReversible) {
  for (const std::string name : {"a/b", "100%", "%2F", ".", "..", "x%25/y", "plain.name"})
    EXPECT_EQ(unescape_array_name(escape_array_name(name)), name);
  EXPECT_EQ(escape_array_name("a/b%c"), "a%2Fb%25c");
}

TEST(NamedArrays, BadInputIsRejectedBeforeAnythingIsWritten) {
  test::ScratchDir dir;
  h5::File f = h5::File::create(dir.file("x.h5"));
  NamedArrays arrays = sample_arrays();
  arrays[1].values.push_back(1.0f);
  EXPECT_EQ(error_of([&] { write_named_arrays(f, "w", arrays); }),
            dir.file("x.h5") + ": /: array 'blocks.0/bn%running_mean': 3 values for shape 2");
  arrays = sample_arrays();
  arrays.push_back(arrays[0]);
  EXPECT_EQ(error_of([&] { write_named_arrays(f, "w", arrays); }),
            dir.file("x.h5") + ": /: named arrays for 'w': duplicate name 'stem.conv.weight'");
  EXPECT_FALSE(f.exists("w"));
  write_named_arrays(f, "w", sample_arrays());
  EXPECT_NE(error_of([&] { write_named_arrays(f, "w", sample_arrays()); }).find("already exists"),
            std::string::npos);
  f.write<std::int32_t>("ints/x", {1}, {1});
  EXPECT_EQ(error_of([&] { read_named_arrays(f, "ints"); }),
            dir.file("x.h5") + ": /ints/x: named array is int32, expected float32");
  EXPECT_EQ(error_of([&] { read_named_arrays(f, "nothing"); }), dir.file("x.h5") + ": /: no group 'nothing'");
}

}  // namespace
}  // namespace apq
