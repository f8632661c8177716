#include "emulator/probes/probe_runner.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <exception>
#include <map>

#include "emulator/probes/probe_attempt.h"

namespace azlb::probes {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

bool sameProbe(const Target& a, const Target& b) {
  return a.netnsFd == b.netnsFd && a.sourceIp == b.sourceIp && a.destination == b.destination &&
         a.spec == b.spec;
}

std::string describe(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    return std::string("probe attempt failed: ") + e.what();
  } catch (...) {
    return "probe attempt failed";
  }
}

}  // namespace

/// Lives on the probing thread: every member but the io_context is touched only from there.
struct Runner::Engine {
  /// One target: its state, the timer of its next attempt and the attempt in flight.
  struct Slot {
    Slot(asio::io_context& io, Target t, Clock::time_point now)
        : target(std::move(t)), state(target.spec, now), due(io) {}
    Target target;
    State state;
    asio::steady_timer due;
    std::shared_ptr<Attempt> attempt;
    bool retired = false;  // dropped by setTargets: its pending handlers do nothing
  };

  explicit Engine(Runner& owner) : owner_(owner) { tls_.set_verify_mode(asio::ssl::verify_none); }

  void takePending();
  void apply(std::vector<Target> targets);
  void schedule(const std::shared_ptr<Slot>& slot);
  void begin(const std::shared_ptr<Slot>& slot);
  void publish();

  Runner& owner_;
  asio::ssl::context tls_{
      asio::ssl::context::tls_client};  // Azure's probe does not validate certificates
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::map<std::string, std::shared_ptr<Slot>> slots_;
};

void Runner::Engine::takePending() {
  std::optional<std::vector<Target>> incoming;
  {
    std::lock_guard lk(owner_.pendingMu_);
    incoming.swap(owner_.pending_);
  }
  if (incoming) apply(std::move(*incoming));
}

/// Unchanged targets keep their slot; new and changed ones get a fresh slot, probed at once.
void Runner::Engine::apply(std::vector<Target> targets) {
  const auto now = Clock::now();
  std::map<std::string, std::shared_ptr<Slot>> next;
  for (auto& t : targets) {
    auto old = slots_.find(t.key);
    if (old != slots_.end() && sameProbe(old->second->target, t)) {
      next.emplace(t.key, std::move(old->second));
      slots_.erase(old);
      continue;
    }
    const std::string key = t.key;  // t is moved from below
    auto [slot, inserted] = next.emplace(key, std::make_shared<Slot>(io_, std::move(t), now));
    if (inserted) schedule(slot->second);
  }
  for (auto& [key, slot] : slots_) {
    slot->retired = true;
    slot->due.cancel();
    if (slot->attempt) slot->attempt->abandon();
  }
  slots_ = std::move(next);
  publish();
}

/// The next attempt at the state's nextDue (at once when that has passed).
void Runner::Engine::schedule(const std::shared_ptr<Slot>& slot) {
  slot->due.expires_at(slot->state.nextDue());
  slot->due.async_wait([this, slot](const error_code& ec) {
    if (!ec && !slot->retired) begin(slot);
  });
}

void Runner::Engine::begin(const std::shared_ptr<Slot>& slot) {
  slot->state.started(Clock::now());
  slot->attempt = std::make_shared<Attempt>(io_, tls_, slot->target);
  asio::co_spawn(io_, slot->attempt->run(),
                 [this, slot](std::exception_ptr failure, Verdict verdict) {
                   if (slot->retired) return;
                   if (failure) verdict = {Outcome::Error, describe(failure)};
                   slot->attempt.reset();
                   slot->state.record(verdict.outcome, std::move(verdict.detail), Clock::now());
                   publish();
                   schedule(slot);
                 });
}

void Runner::Engine::publish() {
  std::vector<TargetStatus> out;
  out.reserve(slots_.size());
  for (const auto& [key, slot] : slots_) {
    const State& s = slot->state;
    out.push_back({key, s.up(), s.lastOutcome(), s.lastDetail(), s.consecutiveSuccesses(),
                   s.consecutiveFailures()});
  }
  std::lock_guard lk(owner_.statusMu_);
  owner_.status_ = std::move(out);
}

Runner::Runner() = default;

Runner::~Runner() {
  stop();
  engine_.reset();  // before the members it refers to
}

Result<void> Runner::start() {
  if (thread_.joinable()) return {};
  try {
    auto engine = std::make_unique<Engine>(*this);
    Engine* e = engine.get();
    {
      std::lock_guard lk(pendingMu_);
      engine_ = std::move(engine);
    }
    asio::post(e->io_, [e] { e->takePending(); });  // targets set before start()
    thread_ = std::thread([e] {
      for (;;) {
        try {
          e->io_.run();
          return;
        } catch (const std::exception& ex) {  // a handler threw: report it and keep probing
          std::fprintf(stderr, "azlb prober: %s\n", ex.what());
        }
      }
    });
  } catch (const boost::system::system_error& ex) {
    return fail(std::string("prober: ") + ex.what(), ex.code().value());
  } catch (const std::system_error& ex) {
    return fail(std::string("prober thread: ") + ex.what(), ex.code().value());
  }
  return {};
}

void Runner::stop() {
  if (!thread_.joinable()) return;
  engine_->io_.stop();
  thread_.join();
}

void Runner::setTargets(std::vector<Target> targets) {
  std::lock_guard lk(pendingMu_);
  pending_ = std::move(targets);
  if (engine_) {
    Engine* e = engine_.get();
    asio::post(e->io_, [e] { e->takePending(); });
  }
}

std::vector<TargetStatus> Runner::status() const {
  std::lock_guard lk(statusMu_);
  return status_;
}

}  // namespace azlb::probes
