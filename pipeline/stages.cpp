#include "pipeline/stages.hpp"

#include <chrono>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "actors/island.hpp"
#include "actors/layout.hpp"
#include "actors/node.hpp"
#include "actors/worker.hpp"
#include "io/cost_table_store.hpp"
#include "kernels/bitfusion_model.hpp"
#include "kernels/host_latency.hpp"
#include "pipeline/result_inputs.hpp"
#include "pipeline/scenario.hpp"
#include "pipeline/scoring.hpp"
#include "pipeline/work_plan.hpp"
#include "pipeline/workbench.hpp"

namespace apq {
namespace {

actors::IslandSetup island_setup(const RunContext& ctx, int index) {
  const SearchOptions& o = ctx.pipeline().search;
  actors::IslandSetup s;
  s.space = ctx.space.get();
  s.evolution = o.evolution;
  if (o.evolution.objective == Objective::pareto) s.evolution.budget = Budget{};  // one front for every budget
  s.index = index;
  s.islands = search_islands(ctx);
  s.generations = o.generations;
  s.migrate_every = o.migrate_every;
  s.results = o.results;
  s.emigrants = o.emigrant_selection == "best" ? EmigrantSelection::best(o.emigrants) : EmigrantSelection::random(o.emigrants);
  s.replacement = o.replacement == "worst" ? ImmigrantReplacement::worst() : ImmigrantReplacement::random();
  s.topology = Topology::parse(o.topology, derive_seed(ctx.options.seed, stream_tag("topology"), 0));
  s.prepare = [&ctx](FitnessFn& fitness, CostFn& cost) {
    Scoring scoring = load_scoring(ctx, kQuantPredictor);
    fitness = scoring.fitness;
    cost = scoring.cost;
  };
  return s;
}

// Each stage's wall time, for the summary rank 0 prints at the end.
struct StageClock {
  std::vector<std::pair<std::string, double>> times;
  void run(const RunContext& ctx, const Stage& stage, StageEnv& env) {
    const auto start = std::chrono::steady_clock::now();
    stage.run(ctx, env);
    times.emplace_back(stage.name, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::string summary() const {
    std::ostringstream out;
    out << std::fixed << std::setprecision(1) << "apq-actors: stage times:";
    for (const auto& [name, seconds] : times) out << ' ' << name << ' ' << seconds << " s;";
    return out.str();
  }
};

// The table cost.table names: the analytic model, timings on this host, or a costs.h5 file.
CostTable configured_cost_table(const RunContext& ctx) {
  const std::string& source = ctx.pipeline().cost.table;
  if (source == "bitfusion") return bitfusion_table(*ctx.space);
  if (source != "host") return from_records(read_cost_table(source));
  say(ctx, "cost: timing every layer shape of the space on this host");
  return host_latency_table(*ctx.space);
}

// A budget that nothing in the space fits is refused before any work. The analytic table is the
// options check's (app/options.cpp); this is for a table file or a host-timed table already
// measured for the scenario (one not measured yet is not timed for this: the search says so).
void check_budget_fits(const RunContext& ctx) {
  const Budget& budget = ctx.pipeline().search.evolution.budget;
  if (!ctx.leader() || !ctx.runs("search") || !budget.any() || ctx.pipeline().cost.table == "bitfusion") return;
  const std::string path = ctx.scenario_file("costs.h5");
  if (!h5::file_exists(path) && ctx.pipeline().cost.table == "host") return;
  const CostModel model(*ctx.space, h5::file_exists(path) ? from_records(read_cost_table(path)) : configured_cost_table(ctx));
  const std::string problem = budget_problem(*ctx.space, model, budget);
  if (!problem.empty()) throw std::runtime_error("search: " + problem);
}

}  // namespace

void prepare_cost_table(const RunContext& ctx, const std::string& path) {
  if (!ctx.leader()) return;
  if (h5::file_exists(path)) {
    CostModel check(*ctx.space, from_records(read_cost_table(path)));  // complete for this space?
    return;
  }
  const CostTable table = configured_cost_table(ctx);
  CostModel check(*ctx.space, table);  // throws naming the first missing entry
  write_cost_table(path, to_records(table));
  say(ctx, "cost: " + path + " written (" + table.source + ", " + std::to_string(table.size()) + " entries)");
}

int run_stages(const RunOptions& options, const ProcessInfo& process) {
  const RunContext ctx(options, process);
  say(ctx, "apq-actors: config " + options.config_name + ", run dir " + options.run_dir + ", stage " + options.stage +
               ", seed " + std::to_string(options.seed) + ", " + std::to_string(process.size) + " rank(s)");
  MPI_Comm train_comm;  // training's all-reduces, apart from the transport's traffic
  MPI_Comm_dup(MPI_COMM_WORLD, &train_comm);
  int code = 0;
  {
    // Before the node: the node's end waits for every actor, and a worker may still be running an
    // item with the bench (a backup copy whose first copy already won) when the job shuts down.
    Workbench bench(ctx);
    actors::NodeOptions node_options;
    node_options.transport.heartbeat_interval_seconds = ctx.pipeline().runtime.heartbeat_seconds;
    node_options.transport.heartbeat_timeout_seconds = ctx.pipeline().runtime.heartbeat_timeout;
    actors::Node node(MPI_COMM_WORLD, process.mpi_thread_level, node_options);
    const actors::Layout layout = run_layout(ctx);
    const actors::WorkFn work = [&bench](const actors::WorkItem& item) { return bench.run(item); };
    for (int i = 0; i < layout.workers_per_rank(); ++i)
      node.add(layout.worker(process.rank, i).name, actors::spawn_worker(node.system(), work, process.rank, i));
    for (int k = 0; k < layout.num_islands(); ++k)
      if (layout.island(k).rank == process.rank)
        node.add(layout.island(k).name, actors::spawn_island(node.system(), node.router(), layout, island_setup(ctx, k)));
    node.start();
    try {
      adopt_earlier_results(ctx);  // an earlier version's results move to their scenario folder
      check_run_results(ctx);      // before any work: never serve or overwrite another config's results
      check_scenario(ctx);
      check_budget_fits(ctx);
      StageClock clock;
      StageEnv env{node, train_comm};
      bool rank0_part = false, in_scenario = false;
      for (const Stage& stage : pipeline_stages()) {
        if (!stage.every_rank && !rank0_part) {
          if (!ctx.leader()) break;  // rank 0 drives the rest; this rank serves its actors until shut down
          rank0_part = true;
          prepare_cost_table(ctx, ctx.file("costs.h5"));
        }
        if (!ctx.runs(stage.name)) continue;
        if (stage.in_scenario && !in_scenario) {
          enter_scenario(ctx);
          prepare_cost_table(ctx, ctx.scenario_file("costs.h5"));
          in_scenario = true;
        }
        clock.run(ctx, stage, env);
      }
      if (ctx.leader()) {
        say(ctx, clock.summary());
        say(ctx, "apq-actors: done; files in " + options.run_dir);
        node.shutdown_all();
      }
    } catch (const std::exception& e) {
      node.abort(e.what());
    }
    code = node.wait();
  }
  MPI_Comm_free(&train_comm);
  return code;
}

}  // namespace apq
