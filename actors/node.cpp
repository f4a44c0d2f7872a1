#include "actors/node.hpp"

#include "actors/gateway.hpp"

namespace apq::actors {

Node::Node(MPI_Comm comm, int provided_thread_level, MessageRegistry registry, NodeOptions options)
    : registry_(std::move(registry)) {
  registry_.add_to_config(config_);
  config_.set("scheduler.max-threads", options.scheduler_threads);
  // Work sharing: idle CAF threads sleep on a condition variable and wake when a message
  // comes. The default work stealing polls, then sleeps up to 10 ms before looking again,
  // which costs milliseconds per hop and burns CPU that a 2-core node needs for kernels.
  config_.set("scheduler.policy", caf::atom("sharing"));
  // The transport first: it checks the thread level and that all ranks know the same types.
  transport_ = std::make_unique<Transport>(comm, provided_thread_level, registry_, options.transport);
  system_ = std::make_unique<caf::actor_system>(config_);
  gateway_ = spawn_gateway(*system_, *transport_);
  transport_->set_gateway(gateway_);
}

Node::~Node() {
  if (transport_->running() && transport_->shutting_down()) transport_->wait();
  if (transport_->running())
    transport_->abort_all("rank stopped before the job shut down (an error in the main program?)");
  for (auto& a : actors_) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(gateway_, caf::exit_reason::user_shutdown);
  actors_.clear();
  gateway_ = nullptr;
  transport_->detach_actors();
  system_.reset();  // waits for every actor: the system is gone before MPI_Finalize
  transport_.reset();
}

void Node::add(const std::string& name, caf::actor actor) {
  transport_->register_actor(name, actor);
  Transport* transport = transport_.get();
  const std::string label = name + " on rank " + std::to_string(rank());
  actor->attach_functor([transport, label](const caf::error& reason) {
    if (reason && reason != caf::make_error(caf::exit_reason::user_shutdown))
      transport->abort_all("actor " + label + " failed: " + to_string(reason));
  });
  actors_.push_back(std::move(actor));
}

void Node::start() { transport_->start(); }

}  // namespace apq::actors
