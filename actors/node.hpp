// One rank of the job: its CAF actor system, its MPI transport and gateway, and the actors
// registered by name. Typical use (app/ does the MPI and process set-up):
//   Node node(MPI_COMM_WORLD, provided_thread_level);
//   for (auto& a : layout.workers_on(node.rank())) node.add(a.name, spawn_worker(...));
//   node.start();
//   if (node.rank() == 0) { auto report = run_stage(node, ...); node.shutdown_all(); }
//   return node.wait();   // 0 after a clean shutdown; a failed rank takes the job down
// Destroy the Node before MPI_Finalize: it stops the actors, then the actor system, then
// frees the transport's communicator.
#pragma once
#include <mpi.h>

#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/message_registry.hpp"
#include "actors/messages.hpp"
#include "actors/router.hpp"
#include "actors/transport.hpp"

namespace apq::actors {

struct NodeOptions {
  TransportOptions transport;
  std::size_t scheduler_threads = 2;  // CAF worker threads; detached actors have their own
};

class Node {
 public:
  // Collective over `comm`. `provided_thread_level` is what MPI_Init_thread returned.
  template <class... Ts>
  Node(MPI_Comm comm, int provided_thread_level, TypeList<Ts...> types, NodeOptions options = {})
      : Node(comm, provided_thread_level, MessageRegistry::of(types), options) {}
  Node(MPI_Comm comm, int provided_thread_level, NodeOptions options = {})
      : Node(comm, provided_thread_level, CoreMessages{}, options) {}
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  int rank() const { return transport_->rank(); }
  int size() const { return transport_->size(); }
  caf::actor_system& system() { return *system_; }
  Transport& transport() { return *transport_; }
  Router router() const { return Router(*transport_, gateway_); }

  // Registers a local actor under a name other ranks can address. If it stops with an
  // error, the whole job is aborted with that error as the reason.
  void add(const std::string& name, caf::actor actor);
  // Starts the transport (after every rank added its actors: the first step is a barrier).
  void start();
  // Rank 0 after the last stage: every rank's wait() then returns 0.
  void shutdown_all() { transport_->shutdown_all(); }
  // Stops the whole job, non-zero exit, with the reason and this rank in the message.
  [[noreturn]] void abort(const std::string& reason) { transport_->abort_all(reason); }
  int wait() { return transport_->wait(); }

 private:
  Node(MPI_Comm comm, int provided_thread_level, MessageRegistry registry, NodeOptions options);

  MessageRegistry registry_;
  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
  std::unique_ptr<Transport> transport_;
  caf::actor gateway_;
  std::vector<caf::actor> actors_;
};

}  // namespace apq::actors
