// Server: Hyper's HTTP/1.1 server. One epoll event loop per thread, each with
// its own SO_REUSEPORT listener, non-blocking sockets, keep-alive, pipelining
// (responses always leave in request order, even when handlers finish out of
// order), strict parsing (parser.h) with limits and timeouts, and graceful
// shutdown.
//
// A handler gets an Exchange. It answers inline, before returning, through
// exchange.Respond() or exchange.writer() (written straight into the
// connection's output buffer), or calls exchange.Defer() and answers later
// from any thread through the returned Responder: the answer is handed back
// to the connection's own loop, and dropped safely if the client is gone.
// Request data (head, body) is valid only until the handler returns.
//
// Middleware wraps every handler in order: Before() may answer and stop the
// chain (static files, view-cache hits); After() sees every completed
// response, on the loop thread (metrics, profiling, cache fills).
//
// Example:
//   Server server({.port = 8080, .threads = 2},
//                 [](Exchange& ex) { ex.Respond(200, "text/plain", "hi"); });
//   absl::Status started = server.Start();   // listening on server.port()
//   ...
//   server.Shutdown();  // stop accepting, finish in-flight, close
#ifndef HYPER_LIBS_HTTP_SERVER_H_
#define HYPER_LIBS_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/http/event_loop.h"
#include "libs/http/parser.h"
#include "libs/http/response.h"

namespace hyper::http {

struct ServerOptions {
  std::string host = "0.0.0.0";
  int port = 8080;                 // 0: the kernel picks (see Server::port())
  int threads = 0;                 // event loops; 0 = one per CPU core
  Limits limits;                   // request line, head, header count, body
  // From the first byte of a request to its last: slower clients get 408.
  absl::Duration request_timeout = absl::Seconds(10);
  // A keep-alive connection with nothing to do is closed after this.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Connections beyond this get a 503 and are closed at once.
  int max_connections = 10000;
  // Pipelined requests parsed ahead of the oldest unanswered one.
  int max_pipeline = 64;
};

class Connection;
class ResponderState;

// Header pairs for the convenience responders.
using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

// Answers one request from any thread, once. Movable, not copyable.
// Destroying a Responder that never answered sends a 500, so a request can
// never hang because a handler lost it.
class Responder {
 public:
  Responder() = default;
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&&) noexcept;
  ~Responder();

  // The whole response at once. Later calls are ignored.
  void Respond(int status, absl::string_view content_type, std::string body,
               const HeaderPairs& headers = {});

  // A streamed (chunked) response: StartStream once, Write any number of
  // times, Finish once. Each piece is sent as soon as its turn comes.
  void StartStream(int status, absl::string_view content_type,
                   const HeaderPairs& headers = {});
  void Write(std::string chunk);
  void Finish();

  // False once the response is complete (or for a default-constructed one).
  bool pending() const { return state_ != nullptr; }

 private:
  friend class Exchange;
  explicit Responder(std::shared_ptr<ResponderState> state)
      : state_(std::move(state)) {}
  void Post(std::string bytes, bool final, bool closes);

  std::shared_ptr<ResponderState> state_;
  ResponseWriter::Options options_;
  bool streaming_ = false;
  bool chunked_ = false;
};

// One request and its response, on the connection's loop thread.
class Exchange {
 public:
  const RequestHead& head() const { return *head_; }
  absl::string_view body() const { return body_; }
  absl::Time start_time() const { return start_; }

  // A label for metrics and logs, usually the matched route pattern. Must
  // outlive the server (e.g. a string owned by the router).
  void set_route(absl::string_view route) { route_ = route; }
  absl::string_view route() const { return route_; }
  // Free-form data for middleware, carried to After() (e.g. a cache key).
  void set_tag(std::string tag) { tag_ = std::move(tag); }

  // The inline writer. Start, headers and Finish (or a stream) must all
  // happen before the handler returns.
  ResponseWriter& writer() { return writer_; }
  // Inline shortcut: the whole response, with Content-Type.
  void Respond(int status, absl::string_view content_type,
               absl::string_view body);

  // Hands the answer to another thread. After Defer() the writer must not
  // be used; head() and body() stay valid only until the handler returns.
  Responder Defer();

  bool answered() const { return writer_.started() || deferred_; }

 private:
  friend class Connection;
  Exchange(Connection* connection, const RequestHead* head,
           absl::string_view body, std::string* out,
           ResponseWriter::Options options, absl::Time start, uint64_t seq)
      : connection_(connection),
        head_(head),
        body_(body),
        writer_(out, options),
        options_(options),
        start_(start),
        seq_(seq) {}

  Connection* connection_;
  const RequestHead* head_;
  absl::string_view body_;
  ResponseWriter writer_;
  ResponseWriter::Options options_;
  absl::Time start_;
  uint64_t seq_;
  bool deferred_ = false;
  absl::string_view route_;
  std::string tag_;
};

// What After() learns about a completed response.
struct Completed {
  Method method;
  absl::string_view route;   // Exchange::set_route, or empty
  const std::string& tag;    // Exchange::set_tag, or empty
  int status;
  absl::Duration latency;    // request parsed -> response complete
  uint64_t body_bytes;       // 0 for a deferred response (not tracked)
};

class Middleware {
 public:
  virtual ~Middleware() = default;
  // In chain order, before the handler. Return true after answering (inline
  // or by Defer) to skip the rest of the chain and the handler.
  virtual bool Before(Exchange& exchange) { return false; }
  // In reverse chain order, once the response is complete.
  virtual void After(const Completed& completed) {}
};

using Handler = std::function<void(Exchange&)>;

struct ServerStats {
  int64_t open_connections = 0;
  int64_t accepted = 0;
  int64_t rejected_over_limit = 0;  // refused by max_connections
  int64_t requests = 0;
  int64_t parse_errors = 0;         // 4xx/5xx sent by the parser's verdict
  int64_t timeouts = 0;             // 408s and idle closes
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();  // Shutdown(absl::ZeroDuration()) if still running

  // Appends to the middleware chain. Before Start() only.
  void Use(std::shared_ptr<Middleware> middleware);

  // Binds every loop's listener and starts the loops. InvalidArgument for
  // bad options (naming the field), Unavailable when the port is taken.
  absl::Status Start();

  // Stops accepting, lets in-flight requests finish and their connections
  // close (each is told `Connection: close`) for up to `grace`, then closes
  // what is left and joins the loops. Idempotent.
  void Shutdown(absl::Duration grace = absl::Seconds(10));

  int port() const { return port_; }
  ServerStats stats() const;

  // Internal, shared with the connections.
  struct Shared;
  class Worker;

 private:

  ServerOptions options_;
  std::shared_ptr<Shared> shared_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  bool started_ = false;
  bool stopped_ = false;

  friend class Connection;
};

}  // namespace hyper::http

#endif  // HYPER_LIBS_HTTP_SERVER_H_
