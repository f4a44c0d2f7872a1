#include <gtest/gtest.h>
#include <hdf5.h>

#include "io/hdf5_file.hpp"
#include "io/image_data.hpp"
#include "tests/io/io_test_util.hpp"

namespace apq {
namespace {

using test::error_of;

ImageSet tiny_set() {
  ImageSet set;
  set.count = 5;
  set.channels = 3;
  set.height = 4;
  set.width = 2;
  set.num_classes = 4;
  for (int i = 0; i < 5 * 3 * 4 * 2; ++i) set.pixels.push_back(static_cast<std::uint8_t>(i * 13));
  set.labels = {3, 0, 1, 3, 2};
  return set;
}

class ImageSetFile : public ::testing::Test {
 protected:
  test::ScratchDir dir;
  std::string path = dir.file("set.h5");
};

TEST_F(ImageSetFile, RoundTripsPlainAndCompressed) {
  for (int deflate : {0, 4}) {
    const std::string p = dir.file("set" + std::to_string(deflate) + ".h5");
    write_image_set(p, tiny_set(), deflate);
    const ImageSet back = read_image_set(p);
    EXPECT_EQ(back.count, 5);
    EXPECT_EQ(back.channels, 3);
    EXPECT_EQ(back.height, 4);
    EXPECT_EQ(back.width, 2);
    EXPECT_EQ(back.num_classes, 4);
    EXPECT_EQ(back.pixels, tiny_set().pixels);
    EXPECT_EQ(back.labels, tiny_set().labels);
  }
  const h5::File f = h5::File::open(dir.file("set0.h5"));
  EXPECT_EQ(f.string_attr("schema"), "apq-actors/image-set");
  EXPECT_EQ(f.int_attr("schema_version"), 1);
  EXPECT_EQ(f.open_dataset("images").shape(), (h5::Shape{5, 3, 4, 2}));
  EXPECT_EQ(f.open_dataset("labels").dtype(), h5::DType::i32);
}

TEST_F(ImageSetFile, InvalidSetIsNotWrittenAndDoesNotTouchAnExistingFile) {
  write_image_set(path, tiny_set());
  ImageSet bad = tiny_set();
  bad.labels[2] = 4;
  EXPECT_EQ(error_of([&] { write_image_set(path, bad); }), path + ": label 4 at index 2 is outside 0..3");
  bad = tiny_set();
  bad.pixels.pop_back();
  EXPECT_NE(error_of([&] { write_image_set(path, bad); }).find("119 pixel bytes for 5 images"),
            std::string::npos);
  EXPECT_EQ(read_image_set(path).labels, tiny_set().labels);
  EXPECT_FALSE(h5::file_exists(path + ".tmp"));
}

TEST_F(ImageSetFile, ForeignAndCorruptFilesAreRejected) {
  // Made with the C API and no schema attribute, like a file from another tool.
  {
    const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[4] = {1, 1, 2, 2};
    const hid_t space = H5Screate_simple(4, dims, nullptr);
    const hid_t d = H5Dcreate2(id, "images", H5T_NATIVE_UINT8, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(space);
    H5Fclose(id);
  }
  EXPECT_EQ(error_of([&] { read_image_set(path); }),
            path + ": not an apq-actors image-set file (schema attribute missing)");

  // Our schema but float images and a missing labels dataset.
  const std::string float_path = dir.file("float.h5");
  {
    h5::File f = h5::File::create(float_path);
    h5::write_schema(f, kImageSetSchema, 1);
    f.set_int_attr("num_classes", 2);
    f.write<float>("images", {1, 1, 2, 2}, {0, 0.5f, 1, 0});
    f.commit();
  }
  EXPECT_EQ(error_of([&] { read_image_set(float_path); }), float_path + ": 'images' holds float32, expected uint8");
  const std::string unlabelled = dir.file("unlabelled.h5");
  {
    h5::File f = h5::File::create(unlabelled);
    h5::write_schema(f, kImageSetSchema, 1);
    f.set_int_attr("num_classes", 2);
    f.write<std::uint8_t>("images", {1, 1, 2, 2}, {0, 1, 2, 3});
    f.commit();
  }
  EXPECT_EQ(error_of([&] { read_image_set(unlabelled); }), unlabelled + ": /: no dataset 'labels'");

  // A valid file cut in half.
  write_image_set(dir.file("whole.h5"), tiny_set());
  std::string bytes = test::read_text(dir.file("whole.h5"));
  bytes.resize(bytes.size() / 2);
  const std::string cut = dir.file("cut.h5");
  test::write_bytes(cut, std::vector<std::uint8_t>(bytes.begin(), bytes.end()), false);
  const std::string message = error_of([&] { read_image_set(cut); });
  EXPECT_EQ(message.rfind(cut + ": ", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST_F(ImageSetFile, H5pyWrittenSetWithInt64LabelsIsAccepted) {
  const std::string script =
      "import h5py,numpy as np,sys; f=h5py.File(sys.argv[1],'w'); "
      "f.attrs['schema']='apq-actors/image-set'; f.attrs['schema_version']=1; f.attrs['num_classes']=3; "
      "f['images']=np.arange(24,dtype=np.uint8).reshape(2,3,2,2); f['labels']=np.array([2,0])";
  std::string out;
  ASSERT_EQ(test::run("/usr/bin/python3 -c \"" + script + "\" " + path + " 2>&1", &out), 0) << out;
  const ImageSet set = read_image_set(path);
  EXPECT_EQ(set.count, 2);
  EXPECT_EQ(set.channels, 3);
  EXPECT_EQ(set.num_classes, 3);
  EXPECT_EQ(set.labels, (std::vector<std::int32_t>{2, 0}));
  EXPECT_EQ(set.pixels[23], 23);
}

TEST_F(ImageSetFile, Hdf5FormatFeedsTheSplits) {
  // Train and test files in dir, as DataConfig{format = "hdf5"} expects.
  ImageSet train;
  train.count = 40;
  train.channels = 1;
  train.height = 2;
  train.width = 2;
  train.num_classes = 2;
  for (int i = 0; i < 40; ++i) {
    for (int p = 0; p < 4; ++p) train.pixels.push_back(static_cast<std::uint8_t>(i));
    train.labels.push_back(i % 2);
  }
  write_image_set(dir.file("train.h5"), train);
  write_image_set(dir.file("test.h5"), first_n(train, 6));
  DataConfig config;
  config.dir = dir.path();
  config.format = "hdf5";
  config.train_size = 30;
  config.val_size = 10;
  const DataSplits s = load_splits(config);
  EXPECT_EQ(s.train.count, 30);
  EXPECT_EQ(s.val.count, 10);
  EXPECT_EQ(s.test.count, 6);
  EXPECT_EQ(class_counts(s.val), (std::vector<std::int64_t>{5, 5}));
}

}  // namespace
}  // namespace apq
