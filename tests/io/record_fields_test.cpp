// A record type's field list: the columns it declares, and records written and read back through
// it, member by member (numbers, strings, codes, converted values and a nested part).
#include "io/record_fields.hpp"

#include <gtest/gtest.h>

#include "tests/io/io_test_util.hpp"

namespace apq {
namespace {

enum class Colour : std::int32_t { red = 0, green = 1 };

struct Part {
  double loss = 0.0;
  std::int64_t images = 0;
};

struct Row {
  std::int32_t rank = 0;
  std::string name;
  std::vector<float> code;
  Colour colour = Colour::red;
  Part part;
  double seconds = 0.0;
};

RecordFields<Part> part_list() {
  return {field("loss", &Part::loss, "mean cross-entropy"), field("images", &Part::images, "images")};
}

RecordFields<Row> row_list() {
  auto colour = mapped_field<std::int32_t, Row>(
      "colour", "", [](const Row& r) { return static_cast<std::int32_t>(r.colour); },
      [](Row& r, std::int32_t v) { r.colour = static_cast<Colour>(v); });
  return joined(joined(RecordFields<Row>{field("rank", &Row::rank), field("name", &Row::name),
                                         code_field("code", &Row::code, 3, "one-hot"), colour},
                       part_fields(part_list(), &Row::part)),
                RecordFields<Row>{field("seconds", &Row::seconds, "s")});
}

TEST(RecordFields, DeclareEachColumnOnceWithItsTypeWidthAndUnits) {
  const auto columns = columns_of(row_list());
  std::vector<std::string> names;
  for (const auto& c : columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"rank", "name", "code", "colour", "loss", "images", "seconds"}));
  EXPECT_EQ(columns[0].type, h5::DType::i32);
  EXPECT_EQ(columns[1].type, h5::DType::str);
  EXPECT_EQ(columns[2].type, h5::DType::f32);
  EXPECT_EQ(columns[2].width, 3);
  EXPECT_EQ(columns[3].type, h5::DType::i32);
  EXPECT_EQ(columns[5].type, h5::DType::i64);
  EXPECT_EQ(columns[5].units, "images");
  EXPECT_EQ(columns[6].type, h5::DType::f64);
  EXPECT_EQ(columns[6].units, "s");
}

TEST(RecordFields, RecordsRoundTripAndATornRowIsNotRead) {
  test::ScratchDir dir;
  const std::string path = dir.file("rows.h5");
  const std::vector<Row> rows = {{3, "first", {1, 0, 0}, Colour::green, {0.25, 500}, 1.5},
                                 {7, "second", {0, 0.5f, 1}, Colour::red, {2.5, 1000}, 0.125}};
  {
    h5::File file = h5::File::create(path);
    create_columns(file, "items", columns_of(row_list()));
    h5::Group items = file.open_group("items");
    append_records(items, row_list(), rows);
    items.open_table("rank").append<std::int32_t>({9});  // a third row begun, not finished
    file.commit();
  }
  const h5::File file = h5::File::open(path);
  const h5::Group items = file.open_group("items");
  check_columns(items, columns_of(row_list()));
  const auto back = read_records(items, row_list(), complete_rows(items, columns_of(row_list())));
  ASSERT_EQ(back.size(), 2u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(back[i].rank, rows[i].rank);
    EXPECT_EQ(back[i].name, rows[i].name);
    EXPECT_EQ(back[i].code, rows[i].code);
    EXPECT_EQ(back[i].colour, rows[i].colour);
    EXPECT_EQ(back[i].part.loss, rows[i].part.loss);
    EXPECT_EQ(back[i].part.images, rows[i].part.images);
    EXPECT_EQ(back[i].seconds, rows[i].seconds);
  }
}

}  // namespace
}  // namespace apq
