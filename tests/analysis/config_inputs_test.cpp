// Which config keys decide a run file: the inputs text and the first difference it reports.
#include "analysis/config_inputs.hpp"

#include <gtest/gtest.h>

namespace apq {
namespace {

const char* kConfig =
    "run-dir = runs/a\nseed = 3\nthreads = 2\n\n[runtime]\nmax-attempts = 3\n\n[train]\ncheckpoint-every = 100\n"
    "phase-steps = 1,2\n\n[collect-fp]\nsamples = 300\neval-images = 0\n\n[search]\nlatency-ms = 0.11\n";

TEST(ConfigInputs, KeepTheSeedAndTheDecidingKeysOnly) {
  const std::string fp = inputs_of(kConfig, fp_dataset_inputs());
  EXPECT_NE(fp.find("seed = 3"), std::string::npos);
  EXPECT_NE(fp.find("phase-steps = 1,2"), std::string::npos);
  EXPECT_NE(fp.find("eval-images = 0"), std::string::npos);
  for (const char* absent : {"run-dir", "threads", "max-attempts", "checkpoint-every", "samples", "latency-ms"})
    EXPECT_EQ(fp.find(absent), std::string::npos) << absent;
  const std::string search = inputs_of(kConfig, search_inputs());
  EXPECT_NE(search.find("samples = 300"), std::string::npos);  // more samples, another predictor
  EXPECT_NE(search.find("latency-ms = 0.11"), std::string::npos);
}

TEST(ConfigInputs, NameTheFirstKeyThatDiffers) {
  std::string other = kConfig;
  other.replace(other.find("latency-ms = 0.11"), 17, "latency-ms = 0.2");
  EXPECT_EQ(first_difference(inputs_of(other, search_inputs()), inputs_of(kConfig, search_inputs())),
            "[search] latency-ms: 0.2 in this run, 0.11 in the file");
  EXPECT_EQ(first_difference(inputs_of(other, fp_dataset_inputs()), inputs_of(kConfig, fp_dataset_inputs())), "");
  const std::string reseeded = std::string(kConfig).replace(std::string(kConfig).find("seed = 3"), 8, "seed = 4");
  EXPECT_EQ(first_difference(inputs_of(reseeded, final_inputs()), inputs_of(kConfig, final_inputs())),
            "seed: 4 in this run, 3 in the file");
  EXPECT_NE(first_difference(inputs_of(kConfig, final_inputs()), inputs_of("", final_inputs())).find("(none) in the file"),
            std::string::npos);
}

// A key added later is left out at the value files without it were made with, so that older
// run directories stay valid; at another value it decides.
TEST(ConfigInputs, AnAddedKeyDecidesOnlyAwayFromTheOldBehaviour) {
  std::string with_key = kConfig;
  with_key.replace(with_key.find("eval-images = 0"), 15, "eval-images = 0\nprecision = fp32");
  EXPECT_EQ(first_difference(inputs_of(with_key, fp_dataset_inputs()), inputs_of(kConfig, fp_dataset_inputs())), "");
  with_key.replace(with_key.find("fp32"), 4, "bf16");
  EXPECT_EQ(first_difference(inputs_of(with_key, fp_dataset_inputs()), inputs_of(kConfig, fp_dataset_inputs())),
            "[collect-fp] precision: bf16 in this run, fp32 in the file");
}

// Cross-validation measures the predictors without changing them: it decides predictors.h5
// (where its figures are), not the search or finalize.
TEST(ConfigInputs, CrossValidationDecidesThePredictorsOnly) {
  const std::string with_cv = std::string(kConfig) + "\n[predictor]\ncv-folds = 5\n";
  EXPECT_EQ(first_difference(inputs_of(with_cv, predictor_inputs()), inputs_of(kConfig, predictor_inputs())),
            "[predictor] cv-folds: 5 in this run, 0 in the file");
  EXPECT_EQ(first_difference(inputs_of(with_cv, search_inputs()), inputs_of(kConfig, search_inputs())), "");
  EXPECT_EQ(first_difference(inputs_of(with_cv, final_inputs()), inputs_of(kConfig, final_inputs())), "");
}

// The BitOps input changes the quantization-aware predictor's weights, so it decides predictors.h5
// and everything after; files made before the key existed hold predictors without it ("false").
TEST(ConfigInputs, TheBitopsInputDecidesThePredictorsAndTheSearch) {
  const std::string off = std::string(kConfig) + "\n[predictor]\nbitops-input = false\n";
  const std::string on = std::string(kConfig) + "\n[predictor]\nbitops-input = true\n";
  EXPECT_EQ(first_difference(inputs_of(off, final_inputs()), inputs_of(kConfig, final_inputs())), "");
  EXPECT_EQ(first_difference(inputs_of(on, predictor_inputs()), inputs_of(kConfig, predictor_inputs())),
            "[predictor] bitops-input: true in this run, false in the file");
  EXPECT_NE(first_difference(inputs_of(on, final_inputs()), inputs_of(kConfig, final_inputs())), "");
}

// The predictors' weight decay: files made before the key were trained at 1e-4 and stay valid
// there; another value decides the predictors and everything after them.
TEST(ConfigInputs, ThePredictorsWeightDecayDecidesAwayFromTheOldValue) {
  const std::string old_value = std::string(kConfig) + "\n[predictor]\nweight-decay = 0.0001\n";
  const std::string heavier = std::string(kConfig) + "\n[predictor]\nweight-decay = 0.01\n";
  EXPECT_EQ(first_difference(inputs_of(old_value, final_inputs()), inputs_of(kConfig, final_inputs())), "");
  EXPECT_EQ(first_difference(inputs_of(heavier, search_inputs()), inputs_of(kConfig, search_inputs())),
            "[predictor] weight-decay: 0.01 in this run, 0.0001 in the file");
  EXPECT_EQ(first_difference(inputs_of(heavier, quant_dataset_inputs()), inputs_of(kConfig, quant_dataset_inputs())), "");
}

// Whether quantized items also record their unquantized accuracy changes no label: it decides no file.
TEST(ConfigInputs, TheUnquantizedAccuracyColumnDecidesNothing) {
  const std::string on = std::string(kConfig) + "\n[collect-quant]\nfp-accuracy = true\n";
  EXPECT_EQ(first_difference(inputs_of(on, quant_dataset_inputs()), inputs_of(kConfig, quant_dataset_inputs())), "");
  EXPECT_EQ(first_difference(inputs_of(on, final_inputs()), inputs_of(kConfig, final_inputs())), "");
}

// The supernet is decided by how and on what it trains, not by which validation or test images
// are scored later, nor by anything downstream of training.
TEST(ConfigInputs, TheSupernetIsDecidedByItsTrainingOnly) {
  const std::string data = std::string(kConfig) + "\n[data]\ntrain-size = 500\nsubset-val = 100\n";
  const std::string supernet = inputs_of(data, supernet_inputs());
  EXPECT_NE(supernet.find("phase-steps = 1,2"), std::string::npos);
  EXPECT_NE(supernet.find("train-size = 500"), std::string::npos);
  for (const char* absent : {"subset-val", "checkpoint-every", "eval-images", "latency-ms"})
    EXPECT_EQ(supernet.find(absent), std::string::npos) << absent;
  std::string retrained = data;
  retrained.replace(retrained.find("phase-steps = 1,2"), 17, "phase-steps = 1,3");
  EXPECT_EQ(first_difference(inputs_of(retrained, supernet_inputs()), supernet),
            "[train] phase-steps: 1,3 in this run, 1,2 in the file");
}

// What the search reads of the predictors is their weights: cross-validation does not decide it.
TEST(ConfigInputs, ThePredictorsWeightsLeaveOutCrossValidation) {
  const std::string plain = std::string(kConfig) + "\n[predictor]\nmembers = 3\n";
  const std::string with_cv = std::string(kConfig) + "\n[predictor]\ncv-folds = 5\nmembers = 3\n";
  const std::string other_members = std::string(kConfig) + "\n[predictor]\ncv-folds = 5\nmembers = 2\n";
  EXPECT_EQ(first_difference(inputs_of(with_cv, predictor_weights_inputs()), inputs_of(plain, predictor_weights_inputs())), "");
  EXPECT_EQ(first_difference(inputs_of(other_members, predictor_weights_inputs()), inputs_of(with_cv, predictor_weights_inputs())),
            "[predictor] members: 2 in this run, 3 in the file");
}

// A seed spread compares runs that differ in the seed alone: without the seed, two reseeded
// configs agree, and the first other difference names its key and both values.
TEST(ConfigInputs, WithoutTheSeedOnlyOtherKeysDiffer) {
  const std::string reseeded = std::string(kConfig).replace(std::string(kConfig).find("seed = 3"), 8, "seed = 4");
  FileInputs upstream = predictor_inputs();
  upstream.with_seed = false;
  EXPECT_FALSE(config_difference(inputs_of(reseeded, upstream), inputs_of(kConfig, upstream)));
  EXPECT_TRUE(config_difference(inputs_of(reseeded, predictor_inputs()), inputs_of(kConfig, predictor_inputs())));
  std::string other = reseeded;
  other.replace(other.find("phase-steps = 1,2"), 17, "phase-steps = 1,3");
  const auto d = config_difference(inputs_of(other, upstream), inputs_of(kConfig, upstream));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->key, "[train] phase-steps");
  EXPECT_EQ(d->first, "1,3");
  EXPECT_EQ(d->second, "1,2");
}

}  // namespace
}  // namespace apq
