#include "io/predictor_store.hpp"

#include <gtest/gtest.h>

#include "tests/io/store_test_util.hpp"

namespace apq {
namespace {

using test::error_of;

PredictorRecord sample_predictor(std::int64_t policy_size, double rmse) {
  PredictorRecord r;
  r.arch_size = 6;
  r.policy_size = policy_size;
  r.hidden = {400, 400};
  r.epochs = 30;
  r.n_train = 80;
  r.n_heldout = 3;
  r.rmse = rmse;
  r.pearson = 0.9;
  r.kendall_tau = 0.7;
  r.kendall_tau_se = 0.06;
  r.mean_target = 0.8;
  r.cv_folds = 5;
  r.cv_kendall_tau = 0.61;
  r.cv_kendall_tau_se = 0.03;
  r.members = {{{"layers.0.weight", {2, 3}, {1, 2, 3, 4, 5, 6}}, {"layers.0.bias", {2}, {0.5f, -0.5f}}},
               {{"layers.0.weight", {2, 3}, {6, 5, 4, 3, 2, 1}}, {"layers.0.bias", {2}, {0.25f, -0.25f}}}};
  r.heldout_target = {0.7, 0.8, 0.9};
  r.heldout_predicted = {0.71, 0.78, 0.93};
  r.heldout_stddev = {0.01, 0.02, 0.04};
  r.label_target = "loss";
  r.label_items = 83;
  r.label_split_half_tau = 0.5;
  r.label_split_half_pearson = 0.75;
  r.label_reliability = 1.5 / 1.75;
  r.label_tau_ceiling = 0.66;
  return r;
}

class PredictorStore : public ::testing::Test {
 protected:
  test::ScratchDir dir;
  std::string path = dir.file("predictors.h5");
  RunMeta meta = test::sample_meta();
};

TEST_F(PredictorStore, GroupsRoundTripAndASaveReplacesOnlyItsGroup) {
  save_predictor(path, meta, kFpPredictor, sample_predictor(0, 0.05));
  save_predictor(path, meta, kQuantPredictor, sample_predictor(4, 0.03));
  save_predictor(path, meta, kQuantScratchPredictor, sample_predictor(4, 0.06));
  save_predictor(path, meta, kFpPredictor, sample_predictor(0, 0.04));  // retrained
  const PredictorFile f = read_predictors(path, true);
  ASSERT_EQ(f.predictors.size(), 3u);
  EXPECT_EQ(f.predictors[0].first, "fp");
  EXPECT_EQ(f.predictors[1].first, "quant");
  EXPECT_EQ(f.predictors[2].first, "quant_scratch");
  EXPECT_EQ(f.predictors[0].second.rmse, 0.04);
  EXPECT_EQ(f.predictors[1].second.rmse, 0.03);
  const auto quant = load_predictor(path, meta, kQuantPredictor);
  ASSERT_TRUE(quant.has_value());
  EXPECT_EQ(quant->policy_size, 4);
  EXPECT_EQ(quant->hidden, (std::vector<std::int64_t>{400, 400}));
  EXPECT_EQ(quant->heldout_predicted, (std::vector<double>{0.71, 0.78, 0.93}));
  EXPECT_EQ(quant->heldout_stddev, (std::vector<double>{0.01, 0.02, 0.04}));
  ASSERT_EQ(quant->members.size(), 2u);
  ASSERT_EQ(quant->members[1].size(), 2u);
  EXPECT_EQ(quant->members[0][1].values, (std::vector<float>{0.5f, -0.5f}));
  EXPECT_EQ(quant->members[1][0].values, (std::vector<float>{6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(quant->label_target, "loss");
  EXPECT_EQ(quant->label_items, 83);
  EXPECT_EQ(quant->label_split_half_tau, 0.5);
  EXPECT_EQ(quant->label_split_half_pearson, 0.75);
  EXPECT_EQ(quant->label_reliability, 1.5 / 1.75);
  EXPECT_EQ(quant->label_tau_ceiling, 0.66);
  EXPECT_EQ(quant->kendall_tau_se, 0.06);
  EXPECT_EQ(quant->cv_folds, 5);
  EXPECT_EQ(quant->cv_kendall_tau, 0.61);
  EXPECT_EQ(quant->cv_kendall_tau_se, 0.03);
  EXPECT_FALSE(load_predictor(path, meta, "nothing").has_value());
  EXPECT_FALSE(load_predictor(dir.file("none.h5"), meta, kFpPredictor).has_value());
  EXPECT_TRUE(read_predictors(path, false).predictors[0].second.members.empty());
}

TEST_F(PredictorStore, BadInputAndOtherRunsLeaveTheFileAlone) {
  save_predictor(path, meta, kFpPredictor, sample_predictor(0, 0.05));
  const std::string before = test::read_text(path);
  PredictorRecord bad = sample_predictor(4, 0.1);
  bad.heldout_predicted.pop_back();
  EXPECT_EQ(error_of([&] { save_predictor(path, meta, kQuantPredictor, bad); }),
            path + ": predictor 'quant': 3 held-out targets but 2 predictions and 3 spreads");
  EXPECT_NE(error_of([&] { save_predictor(path, meta, "a/b", sample_predictor(0, 1)); }).find("not letters"),
            std::string::npos);
  RunMeta other = meta;
  other.space = "another space";
  EXPECT_NE(error_of([&] { save_predictor(path, other, kQuantPredictor, sample_predictor(4, 0.1)); })
                .find("written for another run"),
            std::string::npos);
  EXPECT_EQ(test::read_text(path), before);
}

}  // namespace
}  // namespace apq
