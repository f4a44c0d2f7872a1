#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdlib>

#include "io/hdf5_file.hpp"
#include "tests/io/io_test_util.hpp"

namespace apq::h5 {
namespace {

using test::error_of;

class Hdf5File : public ::testing::Test {
 protected:
  test::ScratchDir dir;
  std::string path = dir.file("store.h5");
};

TEST_F(Hdf5File, AttributesAndDatasetsOfEveryTypeRoundTrip) {
  {
    File f = File::create(path);
    write_schema(f, "apq-actors/test", 1);
    f.set_string_attr("note", "héllo world");
    f.set_int_attr("count", -42);
    f.set_double_attr("rate", 0.125);
    f.set_int_array_attr("dims", {3, 4, 5});
    f.set_double_array_attr("scales", {0.5, 1.5});
    f.write<float>("a/f32", {2, 3}, {1, 2, 3, 4, 5, 6.5f});
    f.write<double>("a/f64", {2}, {1e-300, -2.25});
    f.write<std::int32_t>("b/i32", {2, 2}, {1, -2, 3, -4});
    f.write<std::int64_t>("i64", {}, {std::int64_t{1} << 40});
    f.write<std::uint8_t>("u8", {2, 1, 2}, {0, 1, 254, 255}, 6);
    f.write_strings("names", {"alpha", "", "gamma delta"});
    Group g = f.open_group("a");
    g.set_string_attr("units", "seconds");
    f.commit();
  }
  const File f = File::open(path);
  EXPECT_EQ(require_schema(f, "apq-actors/test", 1), 1);
  EXPECT_EQ(f.string_attr("note"), "héllo world");
  EXPECT_EQ(f.int_attr("count"), -42);
  EXPECT_EQ(f.double_attr("rate"), 0.125);
  EXPECT_EQ(f.int_array_attr("dims"), (std::vector<std::int64_t>{3, 4, 5}));
  EXPECT_EQ(f.double_array_attr("scales"), (std::vector<double>{0.5, 1.5}));
  EXPECT_FALSE(f.has_attr("absent"));
  Shape shape;
  EXPECT_EQ(f.read<float>("a/f32", &shape), (std::vector<float>{1, 2, 3, 4, 5, 6.5f}));
  EXPECT_EQ(shape, (Shape{2, 3}));
  EXPECT_EQ(f.read<double>("a/f64"), (std::vector<double>{1e-300, -2.25}));
  EXPECT_EQ(f.read<std::int32_t>("b/i32"), (std::vector<std::int32_t>{1, -2, 3, -4}));
  EXPECT_EQ(f.read<std::int64_t>("i64", &shape), (std::vector<std::int64_t>{std::int64_t{1} << 40}));
  EXPECT_TRUE(shape.empty());
  EXPECT_EQ(f.read<std::uint8_t>("u8", &shape), (std::vector<std::uint8_t>{0, 1, 254, 255}));
  EXPECT_EQ(shape, (Shape{2, 1, 2}));
  EXPECT_EQ(f.open_dataset("u8").dtype(), DType::u8);
  EXPECT_EQ(f.read_strings("names"), (std::vector<std::string>{"alpha", "", "gamma delta"}));
  EXPECT_EQ(f.open_group("a").string_attr("units"), "seconds");
  EXPECT_EQ(f.children(), (std::vector<std::string>{"a", "b", "i64", "u8", "names"}));
  EXPECT_TRUE(f.is_group("a"));
  EXPECT_FALSE(f.is_group("a/f32"));
  EXPECT_FALSE(f.exists("nope/deeper"));
  EXPECT_EQ(error_of([&] { f.read<float>("nope"); }), path + ": /: no dataset 'nope'");
  EXPECT_EQ(error_of([&] { f.read<float>("names"); }),
            path + ": /: dataset 'names' holds string, not float32");
  EXPECT_EQ(error_of([&] { f.int_attr("note"); }), path + ": /: attribute 'note' is not numeric");
}

TEST_F(Hdf5File, EmptyValuesAndReadOnlyWritesAreHandled) {
  {
    File f = File::create(path);
    f.set_int_array_attr("none", {});
    f.set_string_attr("blank", "");
    f.write<float>("nothing", {0, 3}, {});
    f.commit();
  }
  File f = File::open(path);  // read-only, though not const
  EXPECT_TRUE(f.int_array_attr("none").empty());
  EXPECT_EQ(f.string_attr("blank"), "");
  Shape shape;
  EXPECT_TRUE(f.read<float>("nothing", &shape).empty());
  EXPECT_EQ(shape, (Shape{0, 3}));
  EXPECT_EQ(error_of([&] { f.set_int_attr("x", 1); }),
            path + ": /: cannot write attribute 'x' (no write intent on file)");
}

TEST_F(Hdf5File, WrongSizesAndDuplicatesAreRejected) {
  File f = File::create(path);
  EXPECT_EQ(error_of([&] { f.write<float>("x", {2, 2}, {1, 2, 3}); }),
            path + ": /: dataset 'x': 3 values for shape 2x2");
  f.write<float>("x", {1}, {1});
  EXPECT_EQ(error_of([&] { f.write<float>("x", {1}, {1}); }), path + ": /: dataset 'x' already exists");
}

TEST_F(Hdf5File, CreateWithoutCommitLeavesTheExistingFileIntact) {
  {
    File f = File::create(path);
    f.set_int_attr("generation", 1);
    f.commit();
  }
  try {
    File f = File::create(path);
    f.set_int_attr("generation", 2);
    throw std::runtime_error("failure while writing");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(file_exists(path + ".tmp"));
  EXPECT_EQ(File::open(path).int_attr("generation"), 1);
  {
    File f = File::create(path);
    f.set_int_attr("generation", 3);
    f.commit();
  }
  EXPECT_EQ(File::open(path).int_attr("generation"), 3);
  EXPECT_FALSE(file_exists(path + ".tmp"));
}

TEST_F(Hdf5File, MissingNonHdf5AndForeignFilesGiveClearErrors) {
  EXPECT_EQ(error_of([&] { File::open(dir.file("none.h5")); }), dir.file("none.h5") + ": no such file");
  test::write_bytes(dir.file("junk.h5"), std::vector<std::uint8_t>(4096, 7), false);
  EXPECT_EQ(error_of([&] { File::open(dir.file("junk.h5")); }), dir.file("junk.h5") + ": not an HDF5 file");

  // A foreign file made with the plain C API: a dataset and no schema attribute.
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t dims[1] = {4};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t d = H5Dcreate2(id, "data", H5T_NATIVE_INT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dclose(d);
  H5Sclose(space);
  H5Fclose(id);
  {
    const File foreign = File::open(path);
    EXPECT_EQ(error_of([&] { require_schema(foreign, "apq-actors/checkpoint", 1); }),
              path + ": not an apq-actors checkpoint file (schema attribute missing)");
  }

  File other = File::open_rw(path);
  write_schema(other, "apq-actors/cost-table", 3);
  EXPECT_EQ(error_of([&] { require_schema(other, "apq-actors/checkpoint", 1); }),
            path + ": not an apq-actors checkpoint file (schema is 'apq-actors/cost-table', "
                   "expected 'apq-actors/checkpoint')");
  EXPECT_EQ(error_of([&] { require_schema(other, "apq-actors/cost-table", 2); }),
            path + ": cost-table schema version 3 is not supported (this build reads versions 1 to 2)");
  EXPECT_EQ(require_schema(other, "apq-actors/cost-table", 3), 3);
}

TEST_F(Hdf5File, ExtendibleTablesKeepEveryRowAcrossReopening) {
  {
    File f = File::create(path);
    Table t = f.create_table<double>("results/fitness", 3, 2);  // tiny chunks: many extensions
    t.append<double>({1, 2, 3});
    t.append<double>({4, 5, 6, 7, 8, 9});
    t.flush();
    Table ids = f.create_table<std::int64_t>("results/ids", 0);
    ids.append<std::int64_t>({10, 11, 12});
    Table names = f.create_string_table("results/arch");
    names.append_strings({"d2-e3-k5", "d4-e6-k7"});
    EXPECT_EQ(error_of([&] { t.append<double>({1, 2}); }),
              path + ": /results/fitness: 2 values are not whole rows of 3");
    f.commit();
  }
  {
    File f = File::open_rw(path);
    Table t = f.open_table("results/fitness");
    EXPECT_EQ(t.rows(), 3);
    EXPECT_EQ(t.columns(), 3);
    t.append<double>({10, 11, 12});
    f.open_table("results/ids").append<std::int64_t>({13});
    f.open_table("results/arch").append_strings({"d3-e4-k3"});
    t.flush();
  }
  const File f = File::open(path);
  const Table t = f.open_table("results/fitness");
  EXPECT_EQ(t.rows(), 4);
  EXPECT_EQ(t.read_rows<double>(0, 4), (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  EXPECT_EQ(t.read_rows<double>(3, 1), (std::vector<double>{10, 11, 12}));
  EXPECT_EQ(f.read<double>("results/fitness").size(), 12u);
  EXPECT_EQ(f.open_table("results/ids").read_rows<std::int64_t>(0, 4),
            (std::vector<std::int64_t>{10, 11, 12, 13}));
  EXPECT_EQ(f.open_table("results/arch").read_string_rows(0, 3),
            (std::vector<std::string>{"d2-e3-k5", "d4-e6-k7", "d3-e4-k3"}));
  EXPECT_EQ(error_of([&] { t.read_rows<double>(2, 5); }),
            path + ": /results/fitness: rows 2..7 out of range (the table has 4)");
  EXPECT_EQ(error_of([&] { f.open_table("results/missing"); }),
            path + ": /: no dataset 'results/missing'");
}

TEST_F(Hdf5File, OpenStoreCreatesOnceThenReopensForAppending) {
  {
    File f = open_store(path, "apq-actors/results", 1);
    f.create_table<float>("loss", 0).append<float>({0.5f});
  }
  {
    File f = open_store(path, "apq-actors/results", 1);
    f.open_table("loss").append<float>({0.25f});
    f.write<float>("best", {1}, {0.25f});
    f.remove("best");
    EXPECT_FALSE(f.exists("best"));
    f.write<float>("best", {1}, {0.125f});
  }
  {
    const File f = File::open(path);
    EXPECT_EQ(f.read<float>("loss"), (std::vector<float>{0.5f, 0.25f}));
    EXPECT_EQ(f.read<float>("best"), (std::vector<float>{0.125f}));
    // HDF5 refuses to open a file read-write while it is open read-only in this process.
    EXPECT_NE(error_of([&] { File::open_rw(path); }).find(path + ": cannot open for writing"),
              std::string::npos);
  }
  EXPECT_NE(error_of([&] { open_store(path, "apq-actors/other", 1); }).find("not an apq-actors other file"),
            std::string::npos);
}

TEST_F(Hdf5File, TablesTruncateFromTheEnd) {
  {
    File f = File::create(path);
    Table t = f.create_table<std::int32_t>("t", 2);
    t.append<std::int32_t>({1, 2, 3, 4, 5, 6});
    t.truncate(2);
    t.append<std::int32_t>({7, 8});
    EXPECT_EQ(error_of([&] { t.truncate(4); }), path + ": /t: cannot truncate 3 rows to 4");
    f.commit();
  }
  EXPECT_EQ(File::open(path).read<std::int32_t>("t"), (std::vector<std::int32_t>{1, 2, 3, 4, 7, 8}));
}

TEST_F(Hdf5File, LockingOffLetsAnotherProcessReadWhileWeWrite) {
  { File::create(path).commit(); }
  const std::string reader = "/usr/bin/python3 -c \"import h5py,sys; h5py.File(sys.argv[1],'r')\" " + path +
                             " >/dev/null 2>&1";
  if (!std::getenv("HDF5_USE_FILE_LOCKING")) {  // that variable overrides both sides' choice
    File locked = File::open_rw(path);
    EXPECT_NE(test::run(reader), 0);  // HDF5's default: the writer's lock keeps readers out
  }
  File unlocked = File::open_rw(path, Locking::off);
  EXPECT_EQ(test::run(reader), 0);
}

// What we write must be readable by the usual tools, not only by ourselves.
TEST_F(Hdf5File, H5dumpAndH5pyReadOurFiles) {
  {
    File f = File::create(path);
    write_schema(f, "apq-actors/test", 1);
    f.write<float>("w", {2, 2}, {1, 2, 3, 4});
    f.create_table<std::int32_t>("t", 2).append<std::int32_t>({5, 6, 7, 8});
    f.create_string_table("s").append_strings({"x", "yz"});
    f.commit();
  }
  std::string out;
  ASSERT_EQ(test::run("h5dump -H " + path + " 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("DATASET \"w\""), std::string::npos) << out;
  EXPECT_NE(out.find("DATASPACE  SIMPLE { ( 2, 2 ) / ( H5S_UNLIMITED, 2 ) }"), std::string::npos) << out;
  ASSERT_EQ(test::run("h5dump -a schema " + path + " 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("\"apq-actors/test\""), std::string::npos) << out;
  const std::string script =
      "import h5py,sys; f=h5py.File(sys.argv[1],'r'); "
      "print(f.attrs['schema'], int(f.attrs['schema_version']), f['w'][:].sum(), f['t'][:].tolist(), "
      "[s.decode() if isinstance(s, bytes) else s for s in f['s'][:]])";
  ASSERT_EQ(test::run("/usr/bin/python3 -c \"" + script + "\" " + path + " 2>&1", &out), 0) << out;
  EXPECT_EQ(out, "apq-actors/test 1 10.0 [[5, 6], [7, 8]] ['x', 'yz']\n");
}

}  // namespace
}  // namespace apq::h5
