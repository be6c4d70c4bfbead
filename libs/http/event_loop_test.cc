#include "libs/http/event_loop.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "libs/testing/notification.h"
#include "gtest/gtest.h"

namespace hyper::http {
namespace {

TEST(EventLoopTest, PostedTasksRunOnTheLoopThreadInOrder) {
  EventLoop loop;
  std::thread runner([&] { loop.Run(); });
  std::vector<int> seen;
  ::hyper::testing::Notification done;
  std::atomic<bool> on_loop{true};
  for (int i = 0; i < 100; ++i) {
    loop.Post([&, i] {
      if (!loop.InLoopThread()) on_loop = false;
      seen.push_back(i);
      if (i == 99) done.Notify();
    });
  }
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  loop.Stop();
  runner.join();
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[i], i);
  EXPECT_TRUE(on_loop);
}

TEST(EventLoopTest, PostsFromManyThreadsAllRun) {
  EventLoop loop;
  std::thread runner([&] { loop.Run(); });
  std::atomic<int> count{0};
  std::vector<std::thread> posters;
  for (int t = 0; t < 4; ++t) {
    posters.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) loop.Post([&] { count.fetch_add(1); });
    });
  }
  for (auto& p : posters) p.join();
  ::hyper::testing::Notification done;
  loop.Post([&] { done.Notify(); });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(count.load(), 4000);
  loop.Stop();
  runner.join();
}

TEST(EventLoopTest, DeliversReadinessToTheWatcher) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  struct Reader : EventLoop::Watcher {
    int fd;
    ::hyper::testing::Notification got;
    void OnEvents(uint32_t events) override {
      char c;
      if ((events & EPOLLIN) && read(fd, &c, 1) == 1 && c == 'x') got.Notify();
    }
  } reader;
  reader.fd = fds[0];
  EventLoop loop;
  ASSERT_TRUE(loop.Add(fds[0], EPOLLIN, &reader));
  std::thread runner([&] { loop.Run(); });
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  EXPECT_TRUE(reader.got.WaitForNotificationWithTimeout(absl::Seconds(10)));
  loop.Post([&] { loop.Remove(fds[0]); });
  loop.Stop();
  runner.join();
  close(fds[0]);
  close(fds[1]);
}

TEST(EventLoopTest, TicksPeriodically) {
  EventLoop loop;
  std::atomic<int> ticks{0};
  ::hyper::testing::Notification three;
  loop.SetTick([&] {
    if (++ticks == 3) three.Notify();
  }, absl::Milliseconds(10));
  std::thread runner([&] { loop.Run(); });
  EXPECT_TRUE(three.WaitForNotificationWithTimeout(absl::Seconds(10)));
  loop.Stop();
  runner.join();
}

TEST(EventLoopTest, PostAfterStopIsDroppedNotRun) {
  EventLoop loop;
  std::thread runner([&] { loop.Run(); });
  loop.Stop();
  runner.join();
  bool ran = false;
  loop.Post([&] { ran = true; });
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace hyper::http
