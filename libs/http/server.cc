#include "libs/http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "libs/http/chunked.h"

namespace hyper::http {

struct Server::Shared {
  ServerOptions options;
  Handler handler;
  std::vector<std::shared_ptr<Middleware>> middleware;
  std::atomic<int64_t> open{0};
  std::atomic<int64_t> accepted{0};
  std::atomic<int64_t> rejected_over_limit{0};
  std::atomic<int64_t> requests{0};
  std::atomic<int64_t> parse_errors{0};
  std::atomic<int64_t> timeouts{0};
};

// Everything a Responder needs to find its way back to the connection.
class ResponderState {
 public:
  std::shared_ptr<EventLoop> loop;
  std::weak_ptr<Connection> connection;
  uint64_t seq = 0;
};

namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kMaxPendingOutput = 4 << 20;  // stop parsing beyond this
constexpr absl::Duration kLinger = absl::Seconds(2);

// The unconsumed bytes received on a connection. No zero-fill on growth.
class InputBuffer {
 public:
  absl::string_view view() const {
    return absl::string_view(data_.get() + begin_, end_ - begin_);
  }
  char* begin_ptr() { return data_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }

  // Makes room for `n` more bytes at the end, moving the unconsumed bytes
  // to the front first. Call only between requests' uses of views.
  void Reserve(size_t n) {
    if (cap_ - end_ >= n) return;
    if (begin_ > 0) {
      std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
      if (cap_ - end_ >= n) return;
    }
    size_t cap = std::max({cap_ * 2, end_ + n, kReadChunk});
    std::unique_ptr<char[]> bigger(new char[cap]);
    if (end_ > 0) std::memcpy(bigger.get(), data_.get(), end_);
    data_ = std::move(bigger);
    cap_ = cap;
  }
  char* write_ptr() { return data_.get() + end_; }
  size_t writable() const { return cap_ - end_; }
  void Commit(size_t n) { end_ += n; }
  void Consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) {
      begin_ = end_ = 0;
      if (cap_ > (1 << 20)) {  // give back memory after a big body
        data_.reset();
        cap_ = 0;
      }
    }
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t cap_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

// Bytes waiting to be written, in order, as a queue of strings sent with
// writev. Inline responses append to the tail string (no copies); a response
// built on another thread joins as its own string.
class OutputQueue {
 public:
  bool empty() const { return bytes_ == 0; }
  size_t bytes() const { return bytes_; }

  std::string& Tail() {
    if (chunks_.empty()) {
      chunks_.push_back(std::move(spare_));
      spare_.clear();
    }
    return chunks_.back();
  }
  // Call after writing into Tail() so the byte count stays right.
  void Recount() {
    size_t total = 0;
    for (const std::string& c : chunks_) total += c.size();
    bytes_ = total - offset_;
  }
  void AppendOwned(std::string data) {
    if (data.empty()) return;
    bytes_ += data.size();
    if (!chunks_.empty() && data.size() <= 4096) {
      chunks_.back().append(data);
    } else {
      chunks_.push_back(std::move(data));
    }
  }

  // Writes as much as the socket takes. Returns false on a hard error.
  bool WriteTo(int fd) {
    while (bytes_ > 0) {
      iovec iov[64];
      int count = 0;
      size_t skip = offset_;
      for (const std::string& chunk : chunks_) {
        if (count == 64) break;
        if (chunk.size() <= skip) {
          skip -= chunk.size();
          continue;
        }
        iov[count].iov_base = const_cast<char*>(chunk.data()) + skip;
        iov[count].iov_len = chunk.size() - skip;
        skip = 0;
        ++count;
      }
      ssize_t n = writev(fd, iov, count);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK;
      }
      Advance(static_cast<size_t>(n));
    }
    return true;
  }

 private:
  void Advance(size_t n) {
    bytes_ -= n;
    offset_ += n;
    while (!chunks_.empty() && offset_ >= chunks_.front().size()) {
      offset_ -= chunks_.front().size();
      if (chunks_.size() == 1 && chunks_.front().capacity() <= (1 << 20)) {
        spare_ = std::move(chunks_.front());
        spare_.clear();
      }
      chunks_.pop_front();
    }
    if (chunks_.empty()) offset_ = 0;
  }

  std::deque<std::string> chunks_;
  std::string spare_;
  size_t offset_ = 0;  // bytes of chunks_.front() already written
  size_t bytes_ = 0;
};

// A response that cannot be written straight to the output yet, because an
// earlier pipelined request is still unanswered.
struct Slot {
  uint64_t seq = 0;
  Method method = Method::kGet;
  absl::Time start;
  absl::string_view route;
  std::string tag;
  int status = 0;
  uint64_t body_bytes = 0;
  std::string buffer;
  bool complete = false;
  bool close_after = false;
};

int StatusOf(absl::string_view bytes) {
  // "HTTP/1.1 200 ..." -> 200; used for responses built by a Responder.
  if (bytes.size() < 12) return 0;
  int status = 0;
  for (int i = 9; i < 12; ++i) {
    char c = bytes[i];
    if (c < '0' || c > '9') return 0;
    status = status * 10 + (c - '0');
  }
  return status;
}

}  // namespace

// One client connection, owned by its worker's map, used on its loop only.
class Connection final : public EventLoop::Watcher,
                         public std::enable_shared_from_this<Connection> {
 public:
  Connection(int fd, Server::Worker* worker, std::shared_ptr<EventLoop> loop,
             Server::Shared* shared)
      : fd_(fd), worker_(worker), loop_(std::move(loop)), shared_(shared) {
    last_activity_ = absl::Now();
  }
  ~Connection() override {
    if (!closed_) {
      close(fd_);
      shared_->open.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  void OnEvents(uint32_t events) override {
    std::shared_ptr<Connection> self = shared_from_this();
    if (events & EPOLLERR) {
      Close();
      return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) readable_ = true;
    Drive();
  }

  // A piece of a deferred response arrives from a Responder.
  void OnAsync(uint64_t seq, std::string bytes, bool final, bool closes) {
    if (closed_) return;
    std::shared_ptr<Connection> self = shared_from_this();
    for (Slot& slot : pipeline_) {
      if (slot.seq != seq) continue;
      if (slot.status == 0) slot.status = StatusOf(bytes);
      if (slot.buffer.empty()) {
        slot.buffer = std::move(bytes);
      } else {
        slot.buffer.append(bytes);
      }
      if (final) {
        slot.complete = true;
        slot.close_after = slot.close_after || closes;
      }
      break;
    }
    Drive();
  }

  void OnTick(absl::Time now) {
    if (closed_) return;
    std::shared_ptr<Connection> self = shared_from_this();
    const ServerOptions& options = shared_->options;
    if (lingering_) {
      if (now >= linger_deadline_) Close();
      return;
    }
    bool partial = !in_.empty() || head_len_ > 0;
    if (partial && pipeline_.empty() && !stop_reading_ &&
        now - partial_since_ > options.request_timeout) {
      shared_->timeouts.fetch_add(1, std::memory_order_relaxed);
      Reject(408, "request timeout");
      Drive();
      return;
    }
    if (Idle() && (draining_ || now - last_activity_ > options.idle_timeout)) {
      if (!draining_) shared_->timeouts.fetch_add(1, std::memory_order_relaxed);
      Close();
    }
  }

  void Drain() {
    if (closed_) return;
    std::shared_ptr<Connection> self = shared_from_this();
    draining_ = true;
    if (Idle()) Close();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    loop_->Remove(fd_);
    close(fd_);
    shared_->open.fetch_sub(1, std::memory_order_relaxed);
    pipeline_.clear();
    Forget();  // may destroy *this; callers hold a shared_ptr
  }

  const std::shared_ptr<EventLoop>& loop() const { return loop_; }

  // Exchange support.
  void Dispatch(absl::string_view body);

 private:
  bool Idle() const {
    return in_.empty() && head_len_ == 0 && pipeline_.empty() && out_.empty();
  }
  void Forget();

  // Reads, parses, answers and writes until nothing more can happen now.
  void Drive() {
    for (int round = 0; round < 8 && !closed_; ++round) {
      if (readable_ && !read_paused_) ReadAvailable();
      if (closed_) return;
      if (lingering_) return;
      Process();
      Flush();
      if (closed_ || lingering_) return;
      if (read_paused_ && in_.size() < MaxBuffered() &&
          static_cast<int>(pipeline_.size()) < shared_->options.max_pipeline &&
          out_.bytes() < kMaxPendingOutput) {
        read_paused_ = false;
        continue;
      }
      break;
    }
    if (!closed_ && !lingering_ && (peer_closed_ || draining_) && Idle()) {
      Close();
    }
  }

  size_t MaxBuffered() const {
    const Limits& limits = shared_->options.limits;
    return limits.max_head_bytes + limits.max_body_bytes + kReadChunk;
  }

  void ReadAvailable() {
    while (true) {
      if (lingering_) {
        char sink[4096];
        ssize_t n = read(fd_, sink, sizeof(sink));
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          readable_ = false;
          return;
        }
        Close();  // EOF or error: the client has our answer
        return;
      }
      if (stop_reading_ || peer_closed_) {
        readable_ = false;
        return;
      }
      if (in_.size() >= MaxBuffered()) {
        read_paused_ = true;
        return;
      }
      in_.Reserve(kReadChunk);
      size_t room = in_.writable();
      ssize_t n = read(fd_, in_.write_ptr(), room);
      if (n > 0) {
        absl::Time now = absl::Now();
        if (in_.empty() && head_len_ == 0) partial_since_ = now;
        in_.Commit(static_cast<size_t>(n));
        last_activity_ = now;
        if (static_cast<size_t>(n) < room) {
          // A short read drained the socket; edge-triggered epoll reports
          // the next arrival, so asking again would only return EAGAIN.
          readable_ = false;
          return;
        }
        continue;
      }
      if (n == 0) {
        peer_closed_ = true;
        readable_ = false;
        return;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        readable_ = false;
        return;
      }
      Close();
      return;
    }
  }

  void Process() {
    const Limits& limits = shared_->options.limits;
    while (!stop_reading_ && !closed_) {
      if (static_cast<int>(pipeline_.size()) >= shared_->options.max_pipeline ||
          out_.bytes() >= kMaxPendingOutput) {
        read_paused_ = true;
        return;
      }
      absl::string_view avail = in_.view();
      if (avail.empty()) return;
      if (head_len_ == 0) {
        ParseError error;
        size_t n = scanner_.FindHeadEnd(avail, limits, &error);
        if (!error.ok()) {
          Reject(error.status, error.reason);
          return;
        }
        if (n == 0) return;
        head_len_ = n;
        continue_sent_ = false;
      }
      head_.Clear();
      ParseError error = ParseHead(avail.substr(0, head_len_), limits, &head_);
      if (!error.ok()) {
        Reject(error.status, error.reason);
        return;
      }
      absl::string_view body;
      size_t consumed = head_len_;
      if (head_.body_kind == BodyKind::kContentLength) {
        uint64_t have = avail.size() - head_len_;
        if (have < head_.content_length) {
          MaybeSendContinue();
          return;
        }
        body = avail.substr(head_len_, head_.content_length);
        consumed += head_.content_length;
      } else if (head_.body_kind == BodyKind::kChunked) {
        ChunkedDecoder::Result r = chunked_.Decode(
            in_.begin_ptr() + head_len_, avail.size() - head_len_, limits);
        if (r.state == ChunkedDecoder::State::kError) {
          Reject(r.error.status, r.error.reason);
          return;
        }
        if (r.state == ChunkedDecoder::State::kNeedMore) {
          MaybeSendContinue();
          return;
        }
        body = absl::string_view(in_.begin_ptr() + head_len_, r.decoded);
        consumed += r.consumed;
      }
      Dispatch(body);
      in_.Consume(consumed);
      head_len_ = 0;
      scanner_.Reset();
      chunked_.Reset();
      partial_since_ = absl::Now();
    }
  }

  void MaybeSendContinue() {
    if (!head_.expect_continue || continue_sent_ || !pipeline_.empty()) return;
    continue_sent_ = true;
    out_.Tail().append("HTTP/1.1 100 Continue\r\n\r\n");
    out_.Recount();
  }

  // Answers a request the parser refused, then closes.
  void Reject(int status, absl::string_view reason) {
    shared_->parse_errors.fetch_add(1, std::memory_order_relaxed);
    stop_reading_ = true;
    std::string body = absl::StrCat(reason, "\n");
    ResponseWriter::Options options{.keep_alive = false};
    if (pipeline_.empty()) {
      ResponseWriter writer(&out_.Tail(), options);
      writer.Start(status);
      writer.AddHeader("Content-Type", "text/plain; charset=utf-8");
      writer.Finish(body);
      out_.Recount();
      close_after_flush_ = true;
    } else {
      Slot slot;
      slot.seq = next_seq_++;
      slot.start = absl::Now();
      ResponseWriter writer(&slot.buffer, options);
      writer.Start(status);
      writer.AddHeader("Content-Type", "text/plain; charset=utf-8");
      writer.Finish(body);
      slot.status = status;
      slot.complete = true;
      slot.close_after = true;
      pipeline_.push_back(std::move(slot));
    }
  }

  void RunAfter(const Slot& slot) {
    const auto& chain = shared_->middleware;
    if (chain.empty()) return;
    Completed completed{slot.method, slot.route, slot.tag, slot.status,
                        absl::Now() - slot.start, slot.body_bytes};
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      (*it)->After(completed);
    }
  }

  void Flush() {
    while (!pipeline_.empty()) {
      Slot& slot = pipeline_.front();
      if (!slot.buffer.empty()) {
        out_.AppendOwned(std::move(slot.buffer));
        slot.buffer.clear();
      }
      if (!slot.complete) break;
      RunAfter(slot);
      bool close = slot.close_after;
      pipeline_.pop_front();
      if (close) {
        close_after_flush_ = true;
        stop_reading_ = true;
        pipeline_.clear();
        break;
      }
    }
    if (!out_.WriteTo(fd_)) {
      Close();
      return;
    }
    if (!out_.empty()) last_activity_ = absl::Now();
    if (out_.empty() && close_after_flush_ && pipeline_.empty()) {
      // Lingering close: stop sending, drain what the client still sends, so
      // our last response is not destroyed by a reset.
      shutdown(fd_, SHUT_WR);
      lingering_ = true;
      linger_deadline_ = absl::Now() + kLinger;
      readable_ = true;
      ReadAvailable();
    }
  }

  friend class Exchange;

  int fd_;
  Server::Worker* worker_;
  std::shared_ptr<EventLoop> loop_;
  Server::Shared* shared_;

  InputBuffer in_;
  OutputQueue out_;
  HeadScanner scanner_;
  RequestHead head_;
  ChunkedDecoder chunked_;
  size_t head_len_ = 0;
  std::deque<Slot> pipeline_;
  uint64_t next_seq_ = 1;

  absl::Time partial_since_;
  absl::Time last_activity_;
  absl::Time linger_deadline_;
  bool readable_ = false;
  bool read_paused_ = false;
  bool peer_closed_ = false;
  bool stop_reading_ = false;
  bool close_after_flush_ = false;
  bool continue_sent_ = false;
  bool draining_ = false;
  bool lingering_ = false;
  bool closed_ = false;
};

// One event loop thread: its listener and its connections.
class Server::Worker final : public EventLoop::Watcher {
 public:
  Worker(Shared* shared, int listen_fd)
      : shared_(shared), listen_fd_(listen_fd), loop_(std::make_shared<EventLoop>()) {
    loop_->Add(listen_fd_, EPOLLIN, this);
    loop_->SetTick([this] { Tick(); });
  }
  ~Worker() override {
    CloseListener();
    connections_.clear();
  }

  EventLoop& loop() { return *loop_; }

  void OnEvents(uint32_t) override {
    while (listen_fd_ >= 0) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;  // EAGAIN, or out of descriptors: try again on the next event
      }
      if (shared_->open.load(std::memory_order_relaxed) >=
          shared_->options.max_connections) {
        static constexpr char kBusy[] =
            "HTTP/1.1 503 Service Unavailable\r\nServer: hyper\r\n"
            "Connection: close\r\nContent-Length: 0\r\n\r\n";
        // Counted before the client can read the 503, so that whoever saw
        // it also sees it in stats().
        shared_->rejected_over_limit.fetch_add(1, std::memory_order_relaxed);
        (void)!send(fd, kBusy, sizeof(kBusy) - 1, MSG_NOSIGNAL);
        close(fd);
        continue;
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      shared_->open.fetch_add(1, std::memory_order_relaxed);
      shared_->accepted.fetch_add(1, std::memory_order_relaxed);
      auto connection = std::make_shared<Connection>(fd, this, loop_, shared_);
      connections_[fd] = connection;
      if (!loop_->Add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                      connection.get())) {
        connection->Close();
      }
    }
  }

  void Forget(int fd) { connections_.erase(fd); }

  void BeginDrain() {
    CloseListener();
    for (auto& connection : Snapshot()) connection->Drain();
  }
  void CloseAll() {
    for (auto& connection : Snapshot()) connection->Close();
  }

 private:
  std::vector<std::shared_ptr<Connection>> Snapshot() {
    std::vector<std::shared_ptr<Connection>> all;
    all.reserve(connections_.size());
    for (auto& entry : connections_) all.push_back(entry.second);
    return all;
  }
  void Tick() {
    absl::Time now = absl::Now();
    for (auto& connection : Snapshot()) connection->OnTick(now);
  }
  void CloseListener() {
    if (listen_fd_ < 0) return;
    loop_->Remove(listen_fd_);
    close(listen_fd_);
    listen_fd_ = -1;
  }

  Shared* shared_;
  int listen_fd_;
  std::shared_ptr<EventLoop> loop_;
  absl::flat_hash_map<int, std::shared_ptr<Connection>> connections_;

  friend class Connection;
  friend class Server;
};

void Connection::Forget() { worker_->Forget(fd_); }

void Connection::Dispatch(absl::string_view body) {
  shared_->requests.fetch_add(1, std::memory_order_relaxed);
  absl::Time now = absl::Now();
  bool direct = pipeline_.empty();
  ResponseWriter::Options options{
      .keep_alive = head_.keep_alive && !draining_,
      .head_request = head_.method == Method::kHead,
      .version_minor = head_.version_minor};
  Slot slot;
  slot.seq = next_seq_++;
  slot.method = head_.method;
  slot.start = now;
  std::string* target = direct ? &out_.Tail() : &slot.buffer;
  Exchange exchange(this, &head_, body, target, options, now, slot.seq);

  bool handled = false;
  for (const auto& middleware : shared_->middleware) {
    if (middleware->Before(exchange)) {
      handled = true;
      break;
    }
  }
  if (!handled) shared_->handler(exchange);

  slot.route = exchange.route_;
  slot.tag = std::move(exchange.tag_);
  if (!options.keep_alive) stop_reading_ = true;
  if (exchange.deferred_) {
    pipeline_.push_back(std::move(slot));
    return;
  }
  ResponseWriter& writer = exchange.writer_;
  if (!writer.started()) {
    writer.Start(500);
    writer.AddHeader("Content-Type", "text/plain; charset=utf-8");
    writer.Finish("handler did not answer\n");
  } else if (!writer.finished()) {
    // A handler that stops mid-response leaves the framing unknown: end what
    // can be ended and close, so the client never waits for more.
    writer.FinishStream();
    stop_reading_ = true;
    slot.close_after = true;
  }
  slot.status = writer.status();
  slot.body_bytes = writer.body_bytes();
  bool closes = writer.closes_connection() || slot.close_after;
  if (closes) stop_reading_ = true;
  if (direct) {
    out_.Recount();
    RunAfter(slot);
    if (closes) close_after_flush_ = true;
  } else {
    slot.complete = true;
    slot.close_after = closes;
    pipeline_.push_back(std::move(slot));
  }
}

// --- Exchange / Responder ----------------------------------------------------

void Exchange::Respond(int status, absl::string_view content_type,
                       absl::string_view body) {
  writer_.Start(status);
  if (!content_type.empty()) writer_.AddHeader("Content-Type", content_type);
  writer_.Finish(body);
}

Responder Exchange::Defer() {
  deferred_ = true;
  auto state = std::make_shared<ResponderState>();
  state->loop = connection_->loop();
  state->connection = connection_->weak_from_this();
  state->seq = seq_;
  Responder responder(std::move(state));
  responder.options_ = options_;
  return responder;
}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (state_ != nullptr) {
      if (streaming_) {
        Post(std::string(), true, true);
      } else {
        Respond(500, "text/plain; charset=utf-8", "handler dropped the request\n");
      }
    }
    state_ = std::move(other.state_);
    options_ = other.options_;
    streaming_ = other.streaming_;
  }
  return *this;
}

Responder::~Responder() {
  if (state_ == nullptr) return;
  if (streaming_) {
    // The body is cut short: close so the client sees it was incomplete.
    Post(std::string(), true, true);
  } else {
    Respond(500, "text/plain; charset=utf-8", "handler dropped the request\n");
  }
}

void Responder::Post(std::string bytes, bool final, bool closes) {
  if (state_ == nullptr) return;
  std::weak_ptr<Connection> connection = state_->connection;
  uint64_t seq = state_->seq;
  state_->loop->Post([connection, seq, bytes = std::move(bytes), final,
                      closes]() mutable {
    if (std::shared_ptr<Connection> c = connection.lock()) {
      c->OnAsync(seq, std::move(bytes), final, closes);
    }
  });
  if (final) state_.reset();
}

namespace {
void WriteHeaders(ResponseWriter& writer, absl::string_view content_type,
                  const HeaderPairs& headers) {
  if (!content_type.empty()) writer.AddHeader("Content-Type", content_type);
  for (const auto& [name, value] : headers) writer.AddHeader(name, value);
}
}  // namespace

void Responder::Respond(int status, absl::string_view content_type,
                        std::string body, const HeaderPairs& headers) {
  if (state_ == nullptr || streaming_) return;
  std::string bytes;
  bytes.reserve(160 + body.size());
  ResponseWriter writer(&bytes, options_);
  writer.Start(status);
  WriteHeaders(writer, content_type, headers);
  writer.Finish(body);
  Post(std::move(bytes), true, writer.closes_connection());
}

void Responder::StartStream(int status, absl::string_view content_type,
                            const HeaderPairs& headers) {
  if (state_ == nullptr || streaming_) return;
  streaming_ = true;
  std::string bytes;
  ResponseWriter writer(&bytes, options_);
  writer.Start(status);
  WriteHeaders(writer, content_type, headers);
  writer.StartStream();
  // An HTTP/1.0 peer gets a close-delimited body.
  options_.keep_alive = !writer.closes_connection();
  chunked_ = options_.version_minor != 0 && !options_.head_request;
  Post(std::move(bytes), false, false);
}

void Responder::Write(std::string chunk) {
  if (state_ == nullptr || !streaming_ || chunk.empty() || options_.head_request) {
    return;
  }
  if (!chunked_) {
    Post(std::move(chunk), false, false);
    return;
  }
  std::string framed = absl::StrCat(absl::Hex(chunk.size()), "\r\n");
  framed.append(chunk);
  framed.append("\r\n");
  Post(std::move(framed), false, false);
}

void Responder::Finish() {
  if (state_ == nullptr || !streaming_) return;
  Post(chunked_ ? std::string("0\r\n\r\n") : std::string(), true,
       !options_.keep_alive);
}

// --- Server -----------------------------------------------------------------

namespace {

absl::StatusOr<int> Listen(const std::string& host, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("host: '", host, "' is not an IPv4 address"));
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("socket: ", strerror(errno)));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, 4096) != 0) {
    int error = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot listen on ", host, ":",
                                               port, ": ", strerror(error)));
  }
  return fd;
}

int BoundPort(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

}  // namespace

Server::Server(ServerOptions options, Handler handler)
    : options_(std::move(options)), shared_(std::make_shared<Shared>()) {
  shared_->handler = std::move(handler);
}

Server::~Server() { Shutdown(absl::ZeroDuration()); }

void Server::Use(std::shared_ptr<Middleware> middleware) {
  shared_->middleware.push_back(std::move(middleware));
}

absl::Status Server::Start() {
  if (started_) return absl::FailedPreconditionError("server already started");
  if (options_.port < 0 || options_.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("port: ", options_.port, " is outside 0..65535"));
  }
  if (options_.threads < 0) {
    return absl::InvalidArgumentError("threads: must be >= 0");
  }
  if (options_.max_connections < 1 || options_.max_pipeline < 1) {
    return absl::InvalidArgumentError(
        "max_connections and max_pipeline: must be >= 1");
  }
  int threads = options_.threads;
  if (threads == 0) {
    threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  shared_->options = options_;

  std::vector<int> fds;
  int port = options_.port;
  for (int i = 0; i < threads; ++i) {
    absl::StatusOr<int> fd = Listen(options_.host, port);
    if (!fd.ok()) {
      for (int open_fd : fds) close(open_fd);
      return fd.status();
    }
    if (port == 0) port = BoundPort(*fd);
    fds.push_back(*fd);
  }
  port_ = port;
  for (int fd : fds) workers_.push_back(std::make_unique<Worker>(shared_.get(), fd));
  for (auto& worker : workers_) {
    threads_.emplace_back([w = worker.get()] { w->loop().Run(); });
  }
  started_ = true;
  return absl::OkStatus();
}

void Server::Shutdown(absl::Duration grace) {
  if (!started_ || stopped_) return;
  stopped_ = true;
  for (auto& worker : workers_) {
    worker->loop().Post([w = worker.get()] { w->BeginDrain(); });
  }
  absl::Time deadline = absl::Now() + grace;
  while (shared_->open.load() > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  for (auto& worker : workers_) {
    worker->loop().Post([w = worker.get()] { w->CloseAll(); });
    worker->loop().Stop();
  }
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  workers_.clear();
}

ServerStats Server::stats() const {
  ServerStats s;
  s.open_connections = shared_->open.load(std::memory_order_relaxed);
  s.accepted = shared_->accepted.load(std::memory_order_relaxed);
  s.rejected_over_limit = shared_->rejected_over_limit.load(std::memory_order_relaxed);
  s.requests = shared_->requests.load(std::memory_order_relaxed);
  s.parse_errors = shared_->parse_errors.load(std::memory_order_relaxed);
  s.timeouts = shared_->timeouts.load(std::memory_order_relaxed);
  return s;
}

}  // namespace hyper::http
