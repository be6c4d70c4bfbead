// Shutdown signals for a service's main(): SIGINT and SIGTERM are taken off
// every thread and waited for in one place, so shutdown runs as ordinary
// code (no work inside a signal handler).
//
// Example:
//   int main(int argc, char** argv) {
//     hyper::service::BlockShutdownSignals();   // before any thread starts
//     ... start servers ...
//     int signal = hyper::service::WaitForShutdownSignal();  // SIGTERM -> 15
//     ... graceful shutdown ...
//   }
#ifndef HYPER_LIBS_SERVICE_SIGNALS_H_
#define HYPER_LIBS_SERVICE_SIGNALS_H_

namespace hyper::service {

// Blocks SIGINT and SIGTERM in the calling thread; threads created later
// inherit the mask. Call first thing in main().
void BlockShutdownSignals();

// Waits until SIGINT or SIGTERM arrives and returns its number. Requires
// BlockShutdownSignals() to have been called.
int WaitForShutdownSignal();

}  // namespace hyper::service

#endif  // HYPER_LIBS_SERVICE_SIGNALS_H_
