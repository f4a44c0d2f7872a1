// APQ's claim (b), measured: a quantization-aware predictor transferred from the full-precision
// one needs fewer quantized pairs than one trained from scratch. For each count of training pairs
// ([report] curve-pairs, capped at the training split; the whole split always included) and each
// of [report] curve-seeds seeds: a random subset of the predictor stage's training split, one
// predictor transferred from a member of the run's full-precision ensemble and one trained from
// scratch on it, both scored on the stage's held-out pairs (the same for every point).
#pragma once
#include <vector>

#include "io/report_store.hpp"

namespace apq {

struct RunContext;

TransferCurve transfer_curve(const RunContext& ctx, const std::vector<int>& pairs, int seeds);

}  // namespace apq
