#include "libs/http/event_loop.h"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace hyper::http {
namespace {

uint64_t ThisThreadId() {
  return static_cast<uint64_t>(pthread_self());
}

// A watcher for the wake-up eventfd: only drains it.
class WakeWatcher final : public EventLoop::Watcher {
 public:
  explicit WakeWatcher(int fd) : fd_(fd) {}
  void OnEvents(uint32_t) override {
    uint64_t value;
    while (read(fd_, &value, sizeof(value)) > 0) {
    }
  }

 private:
  int fd_;
};

}  // namespace

EventLoop::EventLoop()
    : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    std::perror("hyper: epoll/eventfd");
    std::abort();  // fatal invariant: a server cannot run without them
  }
}

EventLoop::~EventLoop() {
  close(wake_fd_);
  close(epoll_fd_);
}

bool EventLoop::InLoopThread() const {
  return loop_thread_.load(std::memory_order_relaxed) == ThisThreadId();
}

bool EventLoop::Add(int fd, uint32_t events, Watcher* watcher) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = watcher;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::Modify(int fd, uint32_t events, Watcher* watcher) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = watcher;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::Remove(int fd) { epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::SetTick(std::function<void()> tick, absl::Duration period) {
  tick_ = std::move(tick);
  tick_period_ = period;
}

void EventLoop::Post(absl::AnyInvocable<void() &&> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!accepting_posts_) return;
    posted_.push_back(std::move(task));
  }
  uint64_t one = 1;
  // A full eventfd counter still wakes the loop; nothing to handle.
  (void)!write(wake_fd_, &one, sizeof(one));
}

void EventLoop::Stop() {
  stopping_.store(true, std::memory_order_release);
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void EventLoop::RunPosted() {
  std::vector<absl::AnyInvocable<void() &&>> tasks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks.swap(posted_);
  }
  for (auto& task : tasks) std::move(task)();
}

void EventLoop::Run() {
  loop_thread_.store(ThisThreadId(), std::memory_order_relaxed);
  WakeWatcher wake(wake_fd_);
  Add(wake_fd_, EPOLLIN, &wake);
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  absl::Time next_tick = absl::Now() + tick_period_;
  while (!stopping_.load(std::memory_order_acquire)) {
    int timeout_ms = static_cast<int>(
        std::max<int64_t>(0, absl::ToInt64Milliseconds(next_tick - absl::Now())) + 1);
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
    if (n < 0 && errno != EINTR) {
      std::perror("hyper: epoll_wait");
      break;
    }
    for (int i = 0; i < n; ++i) {
      static_cast<Watcher*>(events[i].data.ptr)->OnEvents(events[i].events);
    }
    RunPosted();
    absl::Time now = absl::Now();
    if (now >= next_tick) {
      next_tick = now + tick_period_;
      if (tick_) tick_();
    }
  }
  Remove(wake_fd_);
  RunPosted();
  std::vector<absl::AnyInvocable<void() &&>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    accepting_posts_ = false;
    dropped.swap(posted_);
  }
  // Destroyed outside the lock: a task's destructor may call Post().
}

}  // namespace hyper::http
