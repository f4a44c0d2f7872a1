// apq-actors: the whole APQ pipeline as actors over MPI ranks.
#include <chrono>
#include <exception>
#include <iostream>
#include <thread>

#include "app/options.hpp"
#include "app/process.hpp"
#include "pipeline/dry_run.hpp"
#include "pipeline/stage_table.hpp"
#include "pipeline/stages.hpp"

int main(int argc, char** argv) {
  apq::ensure_passive_openmp(argv);
  apq::tune_allocator();
  std::string printed;
  apq::ParsedCommandLine parsed;
  try {
    parsed = apq::parse_command_line(argc, argv, printed);
    apq::check_stage_name(parsed.options.stage);
  } catch (const apq::UsageError& e) {
    // Every rank parses the same arguments; one line from the first is enough. The others
    // wait a moment before exiting: a launcher that kills the job on the first bad exit
    // (srun --kill-on-bad-exit) could otherwise stop rank 0 before it printed the line.
    if (apq::launcher_rank() == 0)
      std::cerr << "apq-actors: error: " << e.what() << std::endl;
    else
      std::this_thread::sleep_for(std::chrono::seconds(1));
    return 2;
  }
  if (parsed.exit_now) {
    if (apq::launcher_rank() == 0) std::cout << printed;
    return 0;
  }
  apq::Process process(argc, argv);
  apq::resolve_rank_dependent_keys(parsed.options, process.info().size);
  if (parsed.options.dry_run) {
    if (process.info().rank == 0) std::cout << apq::dry_run_plan(parsed.options, process.info().size);
    return 0;
  }
  try {
    process.configure_threads(parsed.options.threads);
    return apq::run_stages(parsed.options, process.info());
  } catch (const std::exception& e) {
    std::cerr << "apq-actors: error on rank " << process.info().rank << ": " << e.what() << std::endl;
    if (process.info().size > 1) apq::Process::abort_all(1);
    return 1;
  }
}
