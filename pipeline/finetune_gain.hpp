// The forecast of a finalized network: finalize fine-tunes longer than collect-quant's labels
// (what the predictor learned), so a network ends above its prediction. Before any finalist,
// finalize measures what its recipe adds to a label on the finalize.gain-items labelled items of
// quant_dataset.h5 with the highest labels (most like the finalists, but not them: nothing of a
// finalist is known when its forecast is made), each item into finetune_gain.h5 as it arrives
// (quant_dataset.h5's layout; resumable like it). Rank 0 only.
#pragma once
#include "analysis/prediction_check.hpp"
#include "pipeline/run_context.hpp"

namespace apq {
namespace actors {
class Node;
}

// Measures the items not yet on disk and returns the gain over their labels (items = 0 when
// finalize.gain-items is 0 or none of them was measured).
FinetuneGain measure_finetune_gain(const RunContext& ctx, actors::Node& node);

}  // namespace apq
