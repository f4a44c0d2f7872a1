// Transport across ranks (run with 2 and 4 ranks): every message type as a tell and the
// request types as requests, NaN/Inf bit patterns, a 100 MB payload, errors for unknown
// actors and malformed envelopes, 100k small messages that must arrive exactly once, and
// small and large envelopes that must keep their order.
#include <chrono>
#include <iostream>

#include "actors/node.hpp"
#include "base/rng.hpp"
#include "tests/actors/test_messages.hpp"
#include "tests/mpi/mpi_check.hpp"

using namespace apq::actors;
using namespace apq::actors::testing;
using std::chrono::seconds;

namespace {

constexpr std::size_t kTotalStreamed = 100000;
const Address kCollector{0, "collector"};

// Sends whatever arrives back to rank 0's collector (tells: every message type).
caf::behavior echo(caf::event_based_actor*, Router router) {
  auto back = [router](const auto& m) { router.tell(kCollector, m); };
  return {[=](const WorkItem& m) { back(m); }, [=](const WorkResult& m) { back(m); },
          [=](const Migrants& m) { back(m); },  [=](const Shutdown& m) { back(m); },
          [=](const Abort& m) { back(m); },     [=](const Blob& m) { back(m); },
          [=](const Ping& m) { back(m); }};
}

// Answers requests; WorkItem "stats" reports the transport's counters.
caf::behavior answer(caf::event_based_actor*, Transport* transport) {
  return {
      [=](const WorkItem& item) {
        WorkResult r;
        r.id = item.id;
        r.values = special_doubles();
        r.answer = item.input;  // echoed
        r.rank = transport->rank();
        if (item.task == "stats") r.values = {static_cast<double>(transport->stats().rejected)};
        return r;
      },
      [](Blob& blob) { return std::move(blob); },
      [](const Ping& p) { return p; },
  };
}

// Streams this rank's share of the small messages to the next rank's counter.
caf::behavior streamer(caf::event_based_actor*, Router router, std::size_t count) {
  return {[=](const Ping&) {
    const Address next{(router.rank() + 1) % router.size(), "counter"};
    for (std::size_t i = 0; i < count; ++i)
      router.tell(next, Ping{i, router.rank()});
  }};
}

// Checks that every sequence number from the previous rank arrives exactly once.
caf::behavior counter(caf::event_based_actor*, Router router, std::size_t count) {
  auto seen = std::make_shared<std::vector<std::uint8_t>>(count, 0);
  auto state = std::make_shared<std::array<std::size_t, 3>>();  // arrived, duplicates, bad
  const int prev = (router.rank() + router.size() - 1) % router.size();
  return {[=](const Ping& p) {
    auto& [arrived, duplicates, bad] = *state;
    if (p.from_rank != prev || p.seq >= count)
      ++bad;
    else if ((*seen)[p.seq]++)
      ++duplicates;
    else
      ++arrived;
    if (arrived == count || duplicates + bad > 0) {
      WorkResult report;
      report.id = static_cast<std::uint64_t>(router.rank());
      report.values = {double(arrived), double(duplicates), double(bad)};
      router.tell(kCollector, report);
    }
  }};
}

template <class T>
void expect_echo(caf::scoped_actor& self, Checks& checks, const T& sent, int copies) {
  for (int i = 0; i < copies; ++i) {
    bool got = false;
    self->receive([&](const T& m) { got = same(m, sent); },
                  caf::after(seconds(30)) >> [] {});
    checks.expect(got, std::string("echo of ") + T::type_name + " arrived intact");
  }
}

void run_rank0(Node& node, caf::scoped_actor& self, Checks& checks) {
  Router router = node.router();
  const int n = node.size();
  caf::blocking_actor* me = self.ptr();
  // 1. Every type as a tell, to every other rank and back.
  for (int r = 1; r < n; ++r) {
    const Address e{r, "echo"};
    router.tell(e, sample_item());
    router.tell(e, sample_result());
    router.tell(e, sample_migrants());
    router.tell(e, Shutdown{7});
    router.tell(e, Abort{3, "not a real abort: data"});
    router.tell(e, sample_blob());
    router.tell(e, Ping{11, 0});
  }
  expect_echo(self, checks, sample_item(), n - 1);
  expect_echo(self, checks, sample_result(), n - 1);
  expect_echo(self, checks, sample_migrants(), n - 1);
  expect_echo(self, checks, Shutdown{7}, n - 1);
  expect_echo(self, checks, Abort{3, "not a real abort: data"}, n - 1);
  expect_echo(self, checks, sample_blob(), n - 1);
  expect_echo(self, checks, Ping{11, 0}, n - 1);
  // 2. Requests: the item's typed input echoed back, NaN/Inf bit patterns in the answer.
  for (int r = 1; r < n; ++r) {
    const Address a{r, "answer"};
    router.request(me, a, sample_item(), seconds(30))
        .receive(
            [&](const WorkResult& res) {
              checks.expect(same_bits(res.values, special_doubles()), "NaN/Inf doubles intact");
              checks.expect(res.rank == r && res.answer.type_id == sample_item().input.type_id &&
                                res.answer.bytes == sample_item().input.bytes,
                            "WorkItem answered by rank " + std::to_string(r));
            },
            [&](caf::error& e) { checks.expect(false, "WorkItem request: " + node.system().render(e)); });
    router.request(me, a, sample_blob(), seconds(30))
        .receive([&](const Blob& b) { checks.expect(same(b, sample_blob()), "Blob with NaN floats intact"); },
                 [&](caf::error& e) { checks.expect(false, "Blob request: " + node.system().render(e)); });
    router.request(me, a, Ping{5, 0}, seconds(30))
        .receive([&](const Ping& p) { checks.expect(p.seq == 5, "Ping answered"); },
                 [&](caf::error& e) { checks.expect(false, "Ping request: " + node.system().render(e)); });
    // Unknown actor: an error reply, not a hang.
    bool refused = false;
    router.request(me, Address{r, "nobody"}, Ping{1, 0}, seconds(30))
        .receive([&](const Ping&) {},
                 [&](caf::error& e) { refused = node.system().render(e).find("no actor named") != std::string::npos; });
    checks.expect(refused, "request to a missing actor gets an error naming it");
  }
  // 3. Malformed envelopes are rejected by the receiving rank, which keeps working.
  const int victim = n - 1;
  WorkItem stats;
  stats.task = "stats";
  double rejected_before = -1;
  router.request(me, Address{victim, "answer"}, stats, seconds(30))
      .receive([&](const WorkResult& r) { rejected_before = r.values.at(0); },
               [&](caf::error& e) { checks.expect(false, "stats request: " + node.system().render(e)); });
  node.transport().post(victim, Bytes{0xde, 0xad});
  EnvelopeHeader h;
  h.src_rank = 0;
  h.dst_rank = victim;
  h.type_id = 4242;
  h.dst_name = "echo";
  node.transport().post(victim, make_envelope(h, Ping{}));
  router.request(me, Address{victim, "answer"}, stats, seconds(30))
      .receive([&](const WorkResult& r) {
                 checks.expect(r.values.at(0) == rejected_before + 2, "victim rejected both envelopes");
               },
               [&](caf::error& e) { checks.expect(false, "stats request: " + node.system().render(e)); });
  // 4. A 100 MB payload there and back.
  Blob big;
  big.seq = 100;
  std::vector<std::uint8_t> pattern(100u << 20);
  apq::Rng rng(7);
  for (std::size_t i = 0; i < pattern.size(); i += 8) {
    const std::uint64_t v = rng.next();
    std::memcpy(pattern.data() + i, &v, 8);
  }
  big.bytes = std::move(pattern);
  auto t0 = std::chrono::steady_clock::now();
  router.request(me, Address{1, "answer"}, big, seconds(120))
      .receive([&](const Blob& b) { checks.expect(b.bytes == big.bytes && b.seq == 100, "100 MB payload intact"); },
               [&](caf::error& e) { checks.expect(false, "100 MB request: " + node.system().render(e)); });
  std::cout << "transport_check: 100 MB round trip "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s\n";
  // 5. 100k small messages around the ring, each exactly once.
  t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < n; ++r) router.tell(Address{r, "streamer"}, Ping{0, 0});
  std::vector<bool> reported(n, false);
  for (int i = 0; i < n; ++i) {
    self->receive(
        [&](const WorkResult& r) {
          const std::size_t per_rank = kTotalStreamed / n;
          checks.expect(r.values == std::vector<double>{double(per_rank), 0, 0},
                        "rank " + std::to_string(r.id) + " got every message exactly once");
          reported.at(r.id) = true;
        },
        caf::after(seconds(60)) >> [&] { checks.expect(false, "stream report timed out"); });
  }
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "transport_check: " << kTotalStreamed << " small messages in " << dt << " s ("
            << kTotalStreamed / dt << " msg/s)\n";
  bool late = false;
  self->receive([&](const WorkResult&) { late = true; }, caf::after(std::chrono::milliseconds(300)) >> [] {});
  checks.expect(!late, "no duplicate arrived after the counts were complete");
  // 6. Small envelopes (one message), larger ones (notice + bulk message) and ones with a
  // segment sent from its own memory keep their order between two ranks, both ways.
  const std::vector<std::size_t> sizes{0, 20000, 3, 2u << 20, 9000, 0, 8100, 1u << 20, 5};
  const Address last_echo{n - 1, "echo"};
  for (std::size_t i = 0; i < 3 * sizes.size(); ++i) {
    Blob b;
    b.seq = i;
    b.bytes = std::vector<std::uint8_t>(sizes[i % sizes.size()], static_cast<std::uint8_t>(i));
    router.tell(last_echo, b);
  }
  std::size_t in_order = 0;
  for (std::size_t i = 0; i < 3 * sizes.size(); ++i)
    self->receive([&](const Blob& b) { in_order += b.seq == i && b.bytes.size() == sizes[i % sizes.size()]; },
                  caf::after(seconds(30)) >> [] {});
  checks.expect(in_order == 3 * sizes.size(), "mixed small and large envelopes arrived in the order sent");
}

}  // namespace

int main(int argc, char** argv) {
  MpiSession mpi(argc, argv);
  {
    Node node(MPI_COMM_WORLD, mpi.provided());
    const std::size_t per_rank = kTotalStreamed / node.size();
    Router router = node.router();
    node.add("echo", node.system().spawn(echo, router));
    node.add("answer", node.system().spawn(answer, &node.transport()));
    node.add("streamer", node.system().spawn(streamer, router, per_rank));
    node.add("counter", node.system().spawn(counter, router, per_rank));
    std::unique_ptr<caf::scoped_actor> self;
    if (node.rank() == 0) {
      self = std::make_unique<caf::scoped_actor>(node.system());
      node.transport().register_actor(kCollector.name, caf::actor_cast<caf::actor>(*self));
    }
    node.start();
    if (node.rank() == 0) {
      Checks checks;
      run_rank0(node, *self, checks);
      if (!checks.ok()) node.abort(checks.summary());
      std::cout << "transport_check: all checks passed on " << node.size() << " ranks" << std::endl;
      node.shutdown_all();
    }
    const int code = node.wait();
    self.reset();
    if (code != 0) return code;
  }
  return 0;
}
