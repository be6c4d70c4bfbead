#include "libs/service/signals.h"

#include <signal.h>
#include <unistd.h>

#include <thread>

#include "gtest/gtest.h"

namespace hyper::service {
namespace {

TEST(SignalsTest, SigtermIsDeliveredToTheWaiterNotTheDefaultHandler) {
  BlockShutdownSignals();
  // A thread started after blocking inherits the mask, so the signal can only
  // be consumed by WaitForShutdownSignal (the default action would kill us).
  std::thread sender([] { kill(getpid(), SIGTERM); });
  EXPECT_EQ(WaitForShutdownSignal(), SIGTERM);
  sender.join();
}

TEST(SignalsTest, SigintToo) {
  BlockShutdownSignals();
  kill(getpid(), SIGINT);
  EXPECT_EQ(WaitForShutdownSignal(), SIGINT);
}

}  // namespace
}  // namespace hyper::service
