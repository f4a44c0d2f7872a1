#include "pipeline/scoring.hpp"

#include <optional>
#include <sstream>
#include <stdexcept>

#include "io/cost_table_store.hpp"
#include "io/predictor_store.hpp"

namespace apq {

std::shared_ptr<CostModel> load_cost_model(const RunContext& ctx) {
  return std::make_shared<CostModel>(*ctx.space, from_records(read_cost_table(ctx.scenario_file("costs.h5"))));
}

PredictorRecord load_search_predictor(const RunContext& ctx, const std::string& name) {
  // After a search round, the scenario's own retrained predictor; else the run's.
  const std::string retrained = ctx.scenario_file("predictors.h5");
  std::optional<PredictorRecord> record;
  if (h5::file_exists(retrained)) record = load_predictor(retrained, ctx.meta, name);
  const std::string path = record ? retrained : ctx.file("predictors.h5");
  if (!record) record = load_predictor(path, ctx.meta, name);
  if (!record) throw std::runtime_error(path + ": no '" + name + "' predictor (run the predictor stage first)");
  return *record;
}

Scoring load_scoring(const RunContext& ctx, const std::string& name) {
  const PredictorRecord record = load_search_predictor(ctx, name);
  Scoring s;
  s.predictor = std::make_shared<PredictorEnsemble>(PredictorEnsemble::load(*ctx.encoding, record.members));
  s.costs = load_cost_model(ctx);
  FitnessFn inner = ensemble_fitness(*s.predictor, ctx.pipeline().search.uncertainty_penalty);
  s.fitness = [predictor = s.predictor, inner](const std::vector<Individual>& v) { return inner(v); };
  s.cost = [costs = s.costs](const Arch& a, const Policy& p) { return costs->costs(a, p); };
  return s;
}

}  // namespace apq
