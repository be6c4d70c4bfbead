// EventLoop: one epoll loop, run by one thread. Everything a loop owns
// (connections, listeners) is touched only on that thread; other threads talk
// to it with Post(), which queues a task and wakes the loop through an
// eventfd. A tick callback runs about once a second (timeouts, housekeeping).
//
// Example:
//   EventLoop loop;
//   std::thread t([&] { loop.Run(); });
//   loop.Post([] { /* runs on t */ });
//   loop.Stop();   // from any thread; Run() returns after the current batch
//   t.join();
#ifndef HYPER_LIBS_HTTP_EVENT_LOOP_H_
#define HYPER_LIBS_HTTP_EVENT_LOOP_H_

#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace hyper::http {

class EventLoop {
 public:
  // Receives readiness events for one file descriptor.
  class Watcher {
   public:
    virtual ~Watcher() = default;
    virtual void OnEvents(uint32_t events) = 0;
  };

  EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop();

  // Runs until Stop(). Call from exactly one thread.
  void Run();
  // Thread-safe; idempotent.
  void Stop();
  // Thread-safe: runs `task` on the loop thread, in posting order. Tasks
  // posted after the loop has stopped are destroyed without running.
  void Post(absl::AnyInvocable<void() &&> task);

  // Loop thread only. `watcher` must stay valid until Remove(fd).
  // Returns false when epoll refuses the descriptor.
  bool Add(int fd, uint32_t events, Watcher* watcher);
  bool Modify(int fd, uint32_t events, Watcher* watcher);
  void Remove(int fd);

  // Called on the loop thread about once per `period` (default 1 s).
  void SetTick(std::function<void()> tick, absl::Duration period = absl::Seconds(1));

  bool InLoopThread() const;

 private:
  void RunPosted();

  int epoll_fd_;
  int wake_fd_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> loop_thread_{0};
  std::function<void()> tick_;
  absl::Duration tick_period_ = absl::Seconds(1);
  // std::mutex, not absl::Mutex: Debian's libabsl is not built with
  // ThreadSanitizer, which then cannot see absl::Mutex hand-offs.
  std::mutex mu_;
  std::vector<absl::AnyInvocable<void() &&>> posted_;  // guarded by mu_
  bool accepting_posts_ = true;                         // guarded by mu_
};

}  // namespace hyper::http

#endif  // HYPER_LIBS_HTTP_EVENT_LOOP_H_
