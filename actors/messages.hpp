// Every message that crosses MPI ranks. Adding one is one small struct:
//   - a stable numeric type_id (never reuse a number) and a type_name,
//   - optionally `using Reply = R;` if it may be sent as a request that R answers,
//   - an inspect() listing its fields (used by CAF for local printing and by our byte codec),
// and its name in CoreMessages below (or in the type list a program passes to Node).
// Fields use fixed-width integers so the bytes mean the same on every rank.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "actors/codec.hpp"
#include "actors/payload.hpp"
#include "actors/type_list.hpp"

namespace apq::actors {

struct WorkResult;

// One unit of work handed to a worker. `task` says what to do (the stage name), the rest is
// the input: an architecture and policy in readable form (kernels/search_space.hpp), and/or
// integer and float vectors (encodings, hyper-parameters).
struct WorkItem {
  static constexpr std::uint32_t type_id = 1;
  static constexpr const char* type_name = "apq.WorkItem";
  using Reply = WorkResult;
  std::uint64_t id = 0;
  std::uint64_t seed = 0;     // derive_seed(run seed, stage stream, id): same on any rank
  std::uint32_t attempt = 0;  // 0 for the first try, 1 for the first retry, ...
  std::string task;           // which task (the stage's name), for dispatch and progress lines
  Payload input;              // the task's typed input (actors/payload.hpp), e.g. a subnet
};

// failed: this item went wrong (retried elsewhere, then recorded as failed); fatal: an error
// that no retry can fix (a broken input file, a missing data set): the stage stops at once and
// nothing is recorded as failed.
enum class WorkStatus : std::uint8_t { ok = 0, failed = 1, fatal = 2 };

struct WorkResult {
  static constexpr std::uint32_t type_id = 2;
  static constexpr const char* type_name = "apq.WorkResult";
  std::uint64_t id = 0;
  WorkStatus status = WorkStatus::ok;
  Payload answer;              // the task's typed answer (actors/payload.hpp)
  double seconds = 0.0;        // wall time of the work on the worker
  std::vector<double> values;  // loose numbers for tests and tools; NaN allowed and kept
  std::string error;           // why it failed, when status == failed
  std::int32_t rank = -1;      // where it ran (filled by the worker)
  std::int32_t worker = -1;
  std::uint32_t attempt = 0;
};

struct Genome {
  std::vector<std::int32_t> genes;  // an encoded (arch, policy)
  std::vector<double> fitness;
};

// Individuals an evolution island sends to a neighbour.
struct Migrants {
  static constexpr std::uint32_t type_id = 3;
  static constexpr const char* type_name = "apq.Migrants";
  std::int32_t from_island = -1;
  std::int32_t to_island = -1;
  std::uint32_t generation = 0;
  std::vector<Genome> genomes;
};

// Transport control: stop cleanly (from rank 0 when the last stage is done) ...
struct Shutdown {
  static constexpr std::uint32_t type_id = 4;
  static constexpr const char* type_name = "apq.Shutdown";
  std::int32_t from_rank = 0;
};

// ... or stop everything now because a rank failed.
struct Abort {
  static constexpr std::uint32_t type_id = 5;
  static constexpr const char* type_name = "apq.Abort";
  std::int32_t rank = -1;
  std::string reason;
};

// Opaque bytes and floats (checkpoint pieces, tables; also the transport tests and bench).
struct Blob {
  static constexpr std::uint32_t type_id = 6;
  static constexpr const char* type_name = "apq.Blob";
  using Reply = Blob;
  std::uint64_t seq = 0;
  SharedBytes bytes;  // received without a copy: shares the envelope's buffer
  std::vector<float> floats;
};

// A tiny message for liveness checks and latency measurements.
struct Ping {
  static constexpr std::uint32_t type_id = 7;
  static constexpr const char* type_name = "apq.Ping";
  using Reply = Ping;
  std::uint64_t seq = 0;
  std::int32_t from_rank = -1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, WorkItem& x) {
  return f(caf::meta::type_name("WorkItem"), x.id, x.seed, x.attempt, x.task, x.input);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, WorkResult& x) {
  return f(caf::meta::type_name("WorkResult"), x.id, x.status, x.answer, x.seconds, x.values, x.error, x.rank,
           x.worker, x.attempt);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Genome& x) {
  return f(caf::meta::type_name("Genome"), x.genes, x.fitness);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Migrants& x) {
  return f(caf::meta::type_name("Migrants"), x.from_island, x.to_island, x.generation, x.genomes);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Shutdown& x) {
  return f(caf::meta::type_name("Shutdown"), x.from_rank);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Abort& x) {
  return f(caf::meta::type_name("Abort"), x.rank, x.reason);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Blob& x) {
  return f(caf::meta::type_name("Blob"), x.seq, x.bytes, x.floats);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Ping& x) {
  return f(caf::meta::type_name("Ping"), x.seq, x.from_rank);
}

// The types every rank registers.
using CoreMessages = TypeList<WorkItem, WorkResult, Migrants, Shutdown, Abort, Blob, Ping>;

}  // namespace apq::actors
