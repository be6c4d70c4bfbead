#include "libs/routing/router.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace hyper::routing {
namespace routing_internal {

// The table is kept twice. Add() edits a plain tree of "units" (a unit is
// one '/' and the segment after it: "/users", "/{id}", or "/" for an empty
// segment), then recompiles it into FlatNodes: one array in which a node's
// static children are contiguous, static runs without branches are merged
// ("/gitignore" "/templates" -> "/gitignore/templates"), and texts, dispatch
// bytes and StaticKeys live in pools. Find() reads only the flat form.
//
// A lookup is a chain of dependent steps, and the CPU runs the work of
// several steps at once where it can, so what counts is how soon each step
// knows the next node's address and the next position in the path, and how
// many instructions a step takes. Hence: children as pointers (one load to
// the next node), static children chosen by a predictable scan rather than
// a vector compare whose result feeds the address, a parameter's end found
// with one 16-byte compare, nodes with one kind of child taken in a loop
// without recursion, and no state kept in memory across steps (see Found).

enum class Kind : uint8_t { kStatic, kInt, kParam, kCatchAll };

// One registered (method, pattern).
struct Route {
  std::string method;
  uint32_t handler_id;
  std::string pattern;
  // Parameter names in pattern order, in Tree::names: Find() copies them
  // into Params as they are.
  std::vector<absl::string_view> names;
  // Whether `names` are those of the parameter nodes on the way here
  // (FlatNode::name), which the walk has written already. Not when another
  // pattern named a shared parameter first: "/a/{x}/b" and "/a/{y}/c".
  bool names_in_nodes = false;
};

// The routes of one pattern shape.
struct Endpoint {
  std::vector<Route> routes;  // registration order
  int get = -1;               // index of the GET route, for HEAD
  std::string allow;          // the Allow value, rebuilt on each Add
};

struct BuildNode {
  std::string text;  // static nodes: the unit, e.g. "/users"
  // Parameter nodes: the name that the first pattern through it gave (in
  // Tree::names), and its slot in Params.
  absl::string_view name;
  uint8_t param_index = 0;
  uint32_t routes = 0;  // routes at or below this node
  std::vector<std::unique_ptr<BuildNode>> statics;
  std::unique_ptr<BuildNode> int_child;
  std::unique_ptr<BuildNode> param_child;
  std::unique_ptr<BuildNode> catch_all;
  std::unique_ptr<Endpoint> endpoint;
};

// How Find() recognises one static child without touching the child's node.
// The path's next 8 bytes, with '/' past its end (Head()), are compared under
// `mask` with `head`: the text and the '/' that must follow it when shorter
// than 8 bytes (the end of the path reads as '/'), else its first 8 bytes.
// That decides alone for most texts (kHeadOnly), and one more load for
// most others (kTail). 32 bytes, so that a scan steps by a shift.
struct StaticKey {
  enum Check : uint32_t {
    // Under 8 bytes and not ending in '/' (the empty segment of "/a/"), so
    // that `head` also shows that the path does not stop within the text:
    // a '/' read past its end is not a byte of the text.
    kHeadOnly,
    // 8 to 15 bytes: `tail` is the last 7 and the '/' after them.
    kTail,
    kRest,  // the others: KeyRestMatches()
  };
  uint64_t head = 0;
  uint64_t mask = 0;  // the first min(size + 1, 8) bytes
  union {
    uint64_t tail = 0;  // kTail
    const char* text;   // kRest: in Tree::texts
  };
  uint32_t size = 0;
  Check check = kRest;
};
static_assert(sizeof(StaticKey) == 32);

enum ChildKind : uint8_t {
  kHasStatics = 1,
  kHasInt = 2,
  kHasParam = 4,
  kHasCatchAll = 8,
  // With kHasStatics: more than kScanLimit of them, which Find() dispatches
  // on a byte rather than scanning.
  kManyStatics = 16,
};

// Up to this many static children are scanned: the CPU predicts which
// child matches and runs ahead, where a vector compare would make the next
// node's address wait for the key byte. Measured faster on both one
// repeated path and a random mix of the GitHub table.
constexpr uint32_t kScanLimit = 32;

// 64 bytes, so that a step of Find() reads one cache line. Children are
// pointers rather than indices: a step's next node is then one load (and an
// add) away, where an index also needed a shift and an add, on the chain of
// dependent steps that a lookup is.
struct alignas(64) FlatNode {
  // The byte after the '/' of each static child's text ('/' for the empty
  // segment); searched by vector compare when a node has too many static
  // children for a scan of `keys`.
  const char* index = nullptr;
  const StaticKey* keys = nullptr;  // one per static child
  const Endpoint* endpoint = nullptr;
  const FlatNode* statics = nullptr;  // the first static child; the rest follow
  // The int, plain and catch-all children that exist, in this order.
  const FlatNode* params = nullptr;
  // Parameter nodes: the parameter's name, as the first pattern through
  // here gave it, and its slot in Params. The walk writes both.
  absl::string_view name;
  uint32_t num_statics = 0;
  uint8_t kinds = 0;  // which children exist: bits of ChildKind
  uint8_t slot = 0;
};
static_assert(sizeof(FlatNode) == 64);

// A FlatNode's links as indices while Flatten() grows the arrays; Add()
// turns them into the pointers.
struct FlatLinks {
  uint32_t keys = 0;  // into Tree::index and Tree::keys
  uint32_t statics = 0;
  uint32_t params = 0;
};

struct Tree {
  BuildNode root;
  // Every route's parameter names, where Route::names can view them for
  // as long as the Router lives.
  std::set<std::string, std::less<>> names;
  std::vector<FlatNode> nodes;  // nodes[0] is the root
  std::vector<FlatLinks> links;  // parallel to `nodes`
  std::string texts;
  std::string index;  // FlatNode::index of all nodes, each padded to 16
  std::vector<StaticKey> keys;  // parallel to `index`
  // Where each key's text starts in `texts`, parallel to `keys`: the pool
  // moves while it grows, so Router::Add() sets StaticKey::text at the end.
  std::vector<uint32_t> text_offsets;
};

}  // namespace routing_internal

namespace {

using routing_internal::BuildNode;
using routing_internal::ChildKind;
using routing_internal::Endpoint;
using routing_internal::FlatLinks;
using routing_internal::FlatNode;
using routing_internal::Kind;
using routing_internal::kScanLimit;
using routing_internal::Route;
using routing_internal::StaticKey;
using routing_internal::Tree;

// ---- Registration --------------------------------------------------------

struct Unit {
  Kind kind;
  absl::string_view text;  // static: "/segment"; parameters: the name
};

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("!#$%&'*+-.^_`|~").find(c) !=
             absl::string_view::npos;
}

bool IsName(absl::string_view name) {
  if (name.empty() || absl::ascii_isdigit(static_cast<unsigned char>(name[0])))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

absl::Status PatternError(absl::string_view pattern, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid route pattern \"", pattern, "\": ", why));
}

// Parses the "{...}" segment into `unit`.
absl::Status ParseParam(absl::string_view pattern, absl::string_view segment,
                        bool last, Unit* unit) {
  absl::string_view inner = segment.substr(1, segment.size() - 2);
  if (inner.find_first_of("{}") != absl::string_view::npos) {
    return PatternError(pattern,
                        absl::StrCat("stray brace in \"", segment, "\""));
  }
  unit->kind = Kind::kParam;
  if (absl::ConsumeSuffix(&inner, "...")) {
    unit->kind = Kind::kCatchAll;
    if (!last) {
      return PatternError(
          pattern, absl::StrCat("catch-all \"", segment,
                                "\" must be the last segment"));
    }
  } else if (size_t colon = inner.find(':'); colon != absl::string_view::npos) {
    absl::string_view type = inner.substr(colon + 1);
    if (type != "int") {
      return PatternError(pattern,
                          absl::StrCat("unknown parameter type \"", type,
                                       "\" in \"", segment,
                                       "\" (the only type is int)"));
    }
    unit->kind = Kind::kInt;
    inner = inner.substr(0, colon);
  }
  if (inner.empty()) {
    return PatternError(pattern,
                        absl::StrCat("empty parameter name in \"", segment,
                                     "\""));
  }
  if (!IsName(inner)) {
    return PatternError(
        pattern, absl::StrCat("bad parameter name \"", inner,
                              "\" (want [A-Za-z_][A-Za-z0-9_]*)"));
  }
  unit->text = inner;
  return absl::OkStatus();
}

// Splits `pattern` into units; `names` (views into `pattern`) receives its
// parameter names.
absl::Status ParsePattern(absl::string_view pattern, std::vector<Unit>* units,
                          std::vector<absl::string_view>* names) {
  if (pattern.empty() || pattern[0] != '/') {
    return PatternError(pattern, "must start with '/'");
  }
  for (char c : pattern) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '?' ||
        c == '#') {
      return PatternError(pattern,
                          "whitespace, control bytes, '?' and '#' are not "
                          "allowed (match the path without its query)");
    }
  }
  size_t pos = 1;  // start of the current segment
  while (true) {
    size_t slash = pattern.find('/', pos);
    bool last = slash == absl::string_view::npos;
    size_t seg_end = last ? pattern.size() : slash;
    absl::string_view segment = pattern.substr(pos, seg_end - pos);
    if (segment.empty() && !last) {
      return PatternError(pattern, "empty segment (\"//\")");
    }
    if (!segment.empty() && segment.front() == '{') {
      if (segment.back() != '}') {
        return PatternError(
            pattern,
            segment.find('}') == absl::string_view::npos
                ? absl::StrCat("unclosed '{' in \"", segment, "\"")
                : absl::StrCat("parameter \"", segment,
                               "\" must be a whole segment"));
      }
      Unit param;
      if (absl::Status s = ParseParam(pattern, segment, last, &param);
          !s.ok()) {
        return s;
      }
      if (std::find(names->begin(), names->end(), param.text) !=
          names->end()) {
        return PatternError(pattern, absl::StrCat("repeated parameter name \"",
                                                  param.text, "\""));
      }
      if (names->size() == Params::kMaxParams) {
        return PatternError(pattern, absl::StrCat("more than ",
                                                  Params::kMaxParams,
                                                  " parameters"));
      }
      names->push_back(param.text);
      units->push_back(param);
    } else if (size_t brace = segment.find_first_of("{}");
               brace != absl::string_view::npos) {
      absl::string_view why;
      if (segment[brace] == '}') {
        why = "unmatched '}'";
      } else if (segment.find('}', brace) == absl::string_view::npos) {
        why = "unclosed '{'";
      } else {
        why = "a parameter must be a whole segment";
      }
      return PatternError(pattern,
                          absl::StrCat(why, " in \"", segment, "\""));
    } else {
      units->push_back({Kind::kStatic, pattern.substr(pos - 1, seg_end - pos + 1)});
    }
    if (last) return absl::OkStatus();
    pos = slash + 1;
  }
}

BuildNode* Child(BuildNode* n, const Unit& unit, uint8_t param_index,
                 absl::string_view name) {
  if (unit.kind == Kind::kStatic) {
    for (const auto& child : n->statics) {
      if (child->text == unit.text) return child.get();
    }
    n->statics.push_back(std::make_unique<BuildNode>());
    n->statics.back()->text = std::string(unit.text);
    return n->statics.back().get();
  }
  std::unique_ptr<BuildNode>& slot = unit.kind == Kind::kInt ? n->int_child
                                     : unit.kind == Kind::kParam
                                         ? n->param_child
                                         : n->catch_all;
  if (slot == nullptr) {
    slot = std::make_unique<BuildNode>();
    slot->param_index = param_index;
    slot->name = name;
  }
  return slot.get();
}

void RebuildAllow(Endpoint* e) {
  std::vector<absl::string_view> methods = {"OPTIONS"};
  for (const Route& r : e->routes) {
    methods.push_back(r.method);
    if (r.method == "GET") methods.push_back("HEAD");
  }
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  e->allow = absl::StrJoin(methods, ", ");
}

// Whether `n` is the inside of a static run that Flatten() merges: nothing
// but one static child branches off it.
bool Mergeable(const BuildNode& n) {
  return n.statics.size() == 1 && n.endpoint == nullptr &&
         n.int_child == nullptr && n.param_child == nullptr &&
         n.catch_all == nullptr;
}

// Lays out the children of `b`, which is already placed at nodes[self].
// Static children go in order of how many routes they lead to, a guess at
// how often they are taken, as lookups try them in turn. Router::Add() sets
// the text and index pointers once the pools have stopped growing.
void Flatten(const BuildNode& b, uint32_t self, Tree* t) {
  std::vector<const BuildNode*> statics;
  for (const auto& c : b.statics) statics.push_back(c.get());
  std::stable_sort(statics.begin(), statics.end(),
                   [](const BuildNode* x, const BuildNode* y) {
                     return x->routes > y->routes;
                   });
  uint32_t first = static_cast<uint32_t>(t->nodes.size());
  t->nodes[self].endpoint = b.endpoint.get();
  t->nodes[self].num_statics = static_cast<uint32_t>(statics.size());
  t->links[self].statics = first;
  t->links[self].keys = static_cast<uint32_t>(t->index.size());
  t->nodes.resize(first + statics.size());
  t->links.resize(t->nodes.size());
  for (size_t i = 0; i < statics.size(); ++i) {
    const BuildNode* c = statics[i];
    t->index.push_back(c->text.size() > 1 ? c->text[1] : '/');
    size_t offset = t->texts.size();
    t->texts += c->text;
    while (Mergeable(*c)) {
      c = c->statics[0].get();
      t->texts += c->text;
    }
    StaticKey k;
    k.size = static_cast<uint32_t>(t->texts.size() - offset);
    // The text's first 15 bytes and, when it is shorter, the '/' that must
    // follow it.
    char bytes[16] = {};
    std::memcpy(bytes, t->texts.data() + offset, std::min<size_t>(k.size, 15));
    if (k.size < 16) bytes[k.size] = '/';
    k.check = k.size >= 16                 ? StaticKey::kRest
              : k.size >= 8                ? StaticKey::kTail
              : bytes[k.size - 1] != '/' ? StaticKey::kHeadOnly
                                           : StaticKey::kRest;
    const size_t head = std::min<size_t>(k.size + 1, 8);
    std::memcpy(&k.head, bytes, head);
    k.mask = head == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * head)) - 1;
    if (k.check == StaticKey::kTail) {
      std::memcpy(&k.tail, bytes + k.size - 7, 8);
    }
    t->keys.push_back(k);
    t->text_offsets.push_back(static_cast<uint32_t>(offset));
    statics[i] = c;  // where the run ends
  }
  t->index.resize((t->index.size() + 15) / 16 * 16, '\0');
  t->keys.resize(t->index.size());
  t->text_offsets.resize(t->index.size());
  for (size_t i = 0; i < statics.size(); ++i) {
    Flatten(*statics[i], first + static_cast<uint32_t>(i), t);
  }
  // The parameter children, next to each other: one link for all.
  const BuildNode* params[] = {b.int_child.get(), b.param_child.get(),
                               b.catch_all.get()};
  const uint32_t first_param = static_cast<uint32_t>(t->nodes.size());
  t->links[self].params = first_param;
  uint32_t at = first_param;
  for (const BuildNode* child : params) {
    if (child == nullptr) continue;
    t->nodes.emplace_back();
    t->links.emplace_back();
    t->nodes[at].name = child->name;
    t->nodes[at].slot = child->param_index;
    ++at;
  }
  at = first_param;
  for (const BuildNode* child : params) {
    if (child != nullptr) Flatten(*child, at++, t);
  }
  FlatNode& f = t->nodes[self];
  f.kinds = static_cast<uint8_t>(
      (f.num_statics != 0 ? ChildKind::kHasStatics : 0) |
      (f.num_statics > kScanLimit ? ChildKind::kManyStatics : 0) |
      (b.int_child != nullptr ? ChildKind::kHasInt : 0) |
      (b.param_child != nullptr ? ChildKind::kHasParam : 0) |
      (b.catch_all != nullptr ? ChildKind::kHasCatchAll : 0));
}

// ---- Lookup --------------------------------------------------------------

template <typename T>
inline T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// a[0, n) == b[0, n) with at most two (overlapping) loads per side for
// n <= 16: the keys here are short and a libc call costs more than they do.
inline bool Equal(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    return ((Load<uint64_t>(a) ^ Load<uint64_t>(b)) |
            (Load<uint64_t>(a + n - 8) ^ Load<uint64_t>(b + n - 8))) == 0;
  }
  if (n >= 4) {
    return ((Load<uint32_t>(a) ^ Load<uint32_t>(b)) |
            (Load<uint32_t>(a + n - 4) ^ Load<uint32_t>(b + n - 4))) == 0;
  }
  if (n >= 2) {
    return ((Load<uint16_t>(a) ^ Load<uint16_t>(b)) |
            (Load<uint16_t>(a + n - 2) ^ Load<uint16_t>(b + n - 2))) == 0;
  }
  return n == 0 || *a == *b;
}

// The state of one lookup. Walk() copies `begin` and `end` into locals:
// stores into `out` could otherwise alias them and force reloads.
struct Lookup {
  const char* begin;  // the path
  const char* end;
  Param* out;  // names and raw values of the parameters, by slot
};

// True if [p, end), non-empty, is ASCII digits with an optional leading '-'
// and fits int64. Leading zeros are allowed.
bool IsInt64(const char* p, const char* end) {
  bool negative = *p == '-';
  p += negative;
  if (p == end) return false;
  for (const char* q = p; q < end; ++q) {
    if (static_cast<unsigned char>(*q - '0') > 9) return false;
  }
  constexpr absl::string_view kMax = "9223372036854775807";
  if (static_cast<size_t>(end - p) < kMax.size()) return true;
  while (*p == '0' && end - p > 1) ++p;
  size_t digits = end - p;
  if (digits != kMax.size()) return digits < kMax.size();
  // Same length: compare as strings; int64 min has magnitude max + 1.
  return std::memcmp(p, kMax.data(), kMax.size()) <= 0 ||
         (negative &&
          std::memcmp(p, "9223372036854775808", kMax.size()) == 0);
}

constexpr uint64_t kOnes = 0x0101010101010101;
constexpr uint64_t kHighs = 0x8080808080808080;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "StaticKey::head and Head() assume little-endian loads");

// The 8 bytes at p < end, without reading outside [begin, end), and '/'
// for those past `end`: the end of the path reads as a segment boundary,
// which it is.
inline uint64_t Head(const char* p, const char* begin, const char* end) {
  if (end - p >= 8) return Load<uint64_t>(p);
  const size_t n = end - p;
  const uint64_t pad = kOnes * '/' << (8 * n);
  if (end - begin >= 8) return Load<uint64_t>(end - 8) >> (8 * (8 - n)) | pad;
  // A path under 8 bytes: at most two (overlapping) loads.
  if (n >= 4) {
    return Load<uint32_t>(p) |
           uint64_t{Load<uint32_t>(p + n - 4)} << (8 * (n - 4)) | pad;
  }
  if (n >= 2) {
    return Load<uint16_t>(p) |
           uint64_t{Load<uint16_t>(p + n - 2)} << (8 * (n - 2)) | pad;
  }
  return static_cast<unsigned char>(*p) | pad;
}

// 16 bytes, compared a vector at a time where SSE2 is there.
#ifdef __SSE2__
using Chunk = __m128i;
inline Chunk LoadChunk(const char* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
inline Chunk MakeChunk(uint64_t low, uint64_t high) {
  return _mm_set_epi64x(static_cast<int64_t>(high), static_cast<int64_t>(low));
}
// Bit i is set when byte i of `chunk` is c.
inline uint32_t BytesEqual(Chunk chunk, char c) {
  return _mm_movemask_epi8(_mm_cmpeq_epi8(chunk, _mm_set1_epi8(c)));
}
// Bit i is set when byte i of `chunk` is an ASCII digit.
inline uint32_t Digits(Chunk chunk) {
  const __m128i x = _mm_sub_epi8(chunk, _mm_set1_epi8('0'));
  return _mm_movemask_epi8(
      _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(9)), x));
}
#else
struct Chunk {
  char bytes[16];
};
inline Chunk LoadChunk(const char* p) {
  Chunk chunk;
  std::memcpy(chunk.bytes, p, 16);
  return chunk;
}
inline Chunk MakeChunk(uint64_t low, uint64_t high) {
  Chunk chunk;
  std::memcpy(chunk.bytes, &low, 8);
  std::memcpy(chunk.bytes + 8, &high, 8);
  return chunk;
}
inline uint32_t BytesEqual(Chunk chunk, char c) {
  uint32_t bits = 0;
  for (int i = 0; i < 16; ++i) bits |= uint32_t{chunk.bytes[i] == c} << i;
  return bits;
}
inline uint32_t Digits(Chunk chunk) {
  uint32_t bits = 0;
  for (int i = 0; i < 16; ++i) {
    bits |= uint32_t{static_cast<unsigned char>(chunk.bytes[i] - '0') <= 9}
            << i;
  }
  return bits;
}
#endif

// KeyMatches() for the texts that `head` and `tail` do not decide, out of
// line as they are rare: check that the path does not stop within the
// text, then its bytes past the first 8 and the boundary.
ABSL_ATTRIBUTE_NOINLINE bool KeyRestMatches(const StaticKey& k,
                                            const char* p, const char* end) {
  const size_t n = k.size;
  const size_t left = end - p;
  if (left < n) return false;
  if (n < 8) return true;  // `head` held the text and the boundary
  if (n < 16) {
    // kTail at the end of the path: its last 8 bytes are the byte before
    // `tail` (in `head`) and the 7 in it.
    return Load<uint64_t>(p + n - 8) ==
           (k.tail << 8 | ((k.head >> (8 * (n - 8))) & 0xff));
  }
  return Equal(p + 8, k.text + 8, n - 8) && (left == n || p[n] == '/');
}

// Whether the static child `k` is the text at p (*p == '/') followed by a
// segment boundary; `head` is Head(p).
inline bool KeyMatches(const StaticKey& k, uint64_t head, const char* p,
                       const char* end) {
  if ((head & k.mask) != k.head) return false;
  if (k.check == StaticKey::kHeadOnly) return true;
  if (k.check == StaticKey::kTail && p + k.size < end) {
    return Load<uint64_t>(p + k.size - 7) == k.tail;
  }
  return KeyRestMatches(k, p, end);
}

// Moves *n to its static child (at most kScanLimit of them) whose text is
// at *p (*p < end, **p == '/'), and *p past that text; false if there is
// none.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ScanStatics(const FlatNode** n,
                                                     const char** p,
                                                     const char* begin,
                                                     const char* end) {
  const uint64_t head = Head(*p, begin, end);
  const StaticKey* k = (*n)->keys;
  const StaticKey* const last = k + (*n)->num_statics - 1;
  const FlatNode* child = (*n)->statics;  // k's, counted along rather than
                                          // computed from k at the end
  while (!KeyMatches(*k, head, *p, end)) {
    if (k == last) return false;
    ++k;
    ++child;
  }
  *n = child;
  *p += k->size;
  return true;
}

// ScanStatics() for any number of children: over kScanLimit, only those
// whose text starts with the path's next byte are tried (children can
// share it: "issues", "import").
bool FindStatic(const FlatNode** n, const char** p, const char* begin,
                const char* end) {
  const FlatNode& node = **n;
  if (node.num_statics <= kScanLimit) return ScanStatics(n, p, begin, end);
  const uint64_t head = Head(*p, begin, end);
  const char key = static_cast<char>(head >> 8);  // p[1], or '/' at the end
  for (uint32_t base = 0; base < node.num_statics; base += 16) {
    uint32_t hits = BytesEqual(LoadChunk(node.index + base), key);
    if (node.num_statics - base < 16) {
      hits &= (1u << (node.num_statics - base)) - 1;
    }
    for (; hits != 0; hits &= hits - 1) {
      const uint32_t i = base + __builtin_ctz(hits);
      if (KeyMatches(node.keys[i], head, *p, end)) {
        *n = node.statics + i;
        *p += node.keys[i].size;
        return true;
      }
    }
  }
  return false;
}

// A parameter segment, as ScanSegment() finds it.
struct Segment {
  size_t size;  // up to the next '/' or the end of the path
  // Bit i is set when byte i is an ASCII digit, for i < 16 at least; 0 if
  // not asked for, or when not loaded.
  uint32_t digits;
  // Nonzero if it may hold a '%' (bytes around it are checked too, and
  // long segments not at all).
  uint32_t percent;
};

// ScanSegment() where it is rare: a segment of 16 bytes or more, or a path
// under 16 bytes. Out of line, so that the common case stays small.
ABSL_ATTRIBUTE_NOINLINE Segment ScanSegmentSlow(const char* p,
                                                const char* begin,
                                                const char* end) {
  if (end - begin < 16) {
    // Read as 16 bytes with '/' past the end (Head()).
    const Chunk chunk =
        MakeChunk(Head(begin, begin, end),
                  end - begin > 8 ? Head(begin + 8, begin, end) : kOnes * '/');
    const size_t drop = p - begin;
    return {static_cast<size_t>(__builtin_ctz(BytesEqual(chunk, '/') >> drop)),
            Digits(chunk) >> drop, BytesEqual(chunk, '%')};
  }
  const void* slash = std::memchr(p, '/', end - p);
  return {static_cast<size_t>(
              (slash != nullptr ? static_cast<const char*>(slash) : end) - p),
          0, 1};
}

// The segment at p (begin <= p <= end), with its Digits() if kDigits. One
// 16-byte load and compares do for nearly every segment, also the last of
// a path: from the path's last 16 bytes, with a bit for `end`. Find() then
// looks for escapes only in values where one may be, without a pass over
// the whole path, and typed ints need no second look at their bytes.
template <bool kDigits>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline Segment ScanSegment(const char* p,
                                                        const char* begin,
                                                        const char* end) {
  const size_t left = end - p;
  if (left >= 16) {
    const Chunk chunk = LoadChunk(p);
    if (uint32_t slashes = BytesEqual(chunk, '/'); slashes != 0) {
      return {static_cast<size_t>(__builtin_ctz(slashes)),
              kDigits ? Digits(chunk) : 0, BytesEqual(chunk, '%')};
    }
  } else if (end - begin >= 16) {
    const Chunk chunk = LoadChunk(end - 16);
    const size_t drop = 16 - left;  // bytes before p
    return {static_cast<size_t>(
                __builtin_ctz((BytesEqual(chunk, '/') | 1u << 16) >> drop)),
            kDigits ? Digits(chunk) >> drop : 0, BytesEqual(chunk, '%')};
  }
  return ScanSegmentSlow(p, begin, end);
}

// IsInt64(p, p + size) for size > 0, given the segment's digits: up to 16
// digits without a sign, which always fit, take a mask and a compare; the
// rest (signs, long values, rejections) go byte by byte.
inline bool IsInt64(const char* p, size_t size, uint32_t digits) {
  if (size <= 16 && (~digits & ((1u << size) - 1)) == 0) return true;
  return IsInt64(p, p + size);
}

// What a walk found: the endpoint, or null, and whether the parameter
// values on the way to it may hold a '%' (see Segment::percent). Returned
// in registers: gathered in memory, each step's load and store of it
// waited on the last.
struct Found {
  const Endpoint* endpoint = nullptr;
  uint32_t percent = 0;
};

Found WalkBranch(const FlatNode& n, const char* p, const Lookup& l);

// Writes the parameter of node `param` to l.out: its name and `value`.
inline void Store(const FlatNode& param, absl::string_view value,
                  const Lookup& l) {
  Param& out = l.out[param.slot];
  out.name = param.name;
  out.value = value;
}

// Finds the endpoint for the rest of the path, [p, l.end), below node n,
// writing parameters to l.out. Nodes with one kind of child, nearly all of
// them, are followed in this loop, which neither recurses nor keeps state
// for backtracking; WalkBranch() takes the others.
Found Walk(const FlatNode* n, const char* p, const Lookup& l) {
  const char* const begin = l.begin;
  const char* const end = l.end;
  uint32_t percent = 0;
  while (true) {
    if (p == end) return {n->endpoint, percent};
    const uint32_t kinds = n->kinds;
    if (kinds == ChildKind::kHasStatics) {
      if (!ScanStatics(&n, &p, begin, end)) return {};
    } else if (kinds == ChildKind::kHasInt) {
      const Segment s = ScanSegment<true>(p + 1, begin, end);
      if (s.size == 0 || !IsInt64(p + 1, s.size, s.digits)) return {};
      n = n->params;
      Store(*n, absl::string_view(p + 1, s.size), l);
      percent |= s.percent;
      p += 1 + s.size;
    } else if (kinds == ChildKind::kHasParam) {
      const Segment s = ScanSegment<false>(p + 1, begin, end);
      if (s.size == 0) return {};
      n = n->params;
      Store(*n, absl::string_view(p + 1, s.size), l);
      percent |= s.percent;
      p += 1 + s.size;
    } else {
      Found found = WalkBranch(*n, p, l);
      found.percent |= percent;
      return found;
    }
  }
}

// Walk() at node n (p < l.end) with several kinds of children, or only a
// catch-all: tries the static child, then int, then plain parameters, then
// the catch-all, moving on to the next when the walk below one fails.
Found WalkBranch(const FlatNode& n, const char* p, const Lookup& l) {
  const uint32_t kinds = n.kinds;
  if (kinds & ChildKind::kHasStatics) {
    const FlatNode* node = &n;
    const char* after = p;
    if (FindStatic(&node, &after, l.begin, l.end)) {
      if (Found found = Walk(node, after, l); found.endpoint != nullptr) {
        return found;
      }
    }
  }
  const char* const seg = p + 1;
  const FlatNode* child = n.params;  // int, plain, catch-all
  if (kinds & (ChildKind::kHasInt | ChildKind::kHasParam)) {
    const Segment s = ScanSegment<true>(seg, l.begin, l.end);
    const absl::string_view value(seg, s.size);
    for (const uint32_t kind : {ChildKind::kHasInt, ChildKind::kHasParam}) {
      if ((kinds & kind) == 0) continue;
      if (s.size != 0 &&
          (kind != ChildKind::kHasInt || IsInt64(seg, s.size, s.digits))) {
        Store(*child, value, l);
        if (Found found = Walk(child, seg + s.size, l);
            found.endpoint != nullptr) {
          found.percent |= s.percent;
          return found;
        }
      }
      ++child;
    }
  }
  if ((kinds & ChildKind::kHasCatchAll) == 0) return {};
  Store(*child, absl::string_view(seg, l.end - seg), l);
  return {child->endpoint, 1};  // not checked for '%'
}

// Whether `v` contains a '%', i.e. may need decoding: word-at-a-time
// below 16 bytes, 16 at a time above.
inline bool HasPercent(absl::string_view v) {
  const char* p = v.data();
  size_t n = v.size();
  auto has = [](uint64_t word) {
    word ^= kOnes * '%';
    return ((word - kOnes) & ~word & kHighs) != 0;
  };
  if (n >= 16) {
    for (size_t i = 0; i < n; i += 16) {
      if (BytesEqual(LoadChunk(i + 16 <= n ? p + i : p + n - 16), '%') != 0) {
        return true;
      }
    }
    return false;
  }
  if (n >= 8) return has(Load<uint64_t>(p)) || has(Load<uint64_t>(p + n - 8));
  if (n >= 4) {
    return has(uint64_t{Load<uint32_t>(p)} << 32 | Load<uint32_t>(p + n - 4));
  }
  for (size_t i = 0; i < n; ++i) {
    if (p[i] == '%') return true;
  }
  return false;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `in` into `out`, which has room for in.size() bytes;
// returns the decoded length, or -1 for a bad escape.
ptrdiff_t PercentDecode(absl::string_view in, char* out) {
  char* o = out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      *o++ = in[i];
      continue;
    }
    if (i + 2 >= in.size()) return -1;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return -1;
    *o++ = static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  return o - out;
}

}  // namespace

absl::string_view Params::Get(absl::string_view name) const {
  for (size_t i = 0; i < size_; ++i) {
    if (params_[i].name == name) return params_[i].value;
  }
  return absl::string_view();
}

Router::Router() : tree_(std::make_unique<Tree>()) {
  tree_->nodes.emplace_back();
  tree_->links.emplace_back();
  nodes_ = tree_->nodes.data();
}
Router::~Router() = default;
Router::Router(Router&&) = default;
Router& Router::operator=(Router&&) = default;

absl::Status Router::Add(absl::string_view method, absl::string_view pattern,
                         uint32_t handler_id) {
  if (method.empty() ||
      !std::all_of(method.begin(), method.end(), IsTokenChar)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid method \"", method, "\" for route pattern \"", pattern,
        "\": want an HTTP token such as GET"));
  }
  std::vector<Unit> units;
  std::vector<absl::string_view> names;
  if (absl::Status s = ParsePattern(pattern, &units, &names); !s.ok()) {
    return s;
  }

  Route route{std::string(method), handler_id, std::string(pattern), {},
              /*names_in_nodes=*/true};
  std::vector<BuildNode*> chain = {&tree_->root};
  for (const Unit& unit : units) {
    if (unit.kind == Kind::kStatic) {
      chain.push_back(Child(chain.back(), unit, 0, {}));
      continue;
    }
    const absl::string_view name = *tree_->names.emplace(unit.text).first;
    chain.push_back(Child(chain.back(), unit,
                          static_cast<uint8_t>(route.names.size()), name));
    route.names.push_back(name);
    route.names_in_nodes = route.names_in_nodes && chain.back()->name == name;
  }
  BuildNode* n = chain.back();
  if (n->endpoint == nullptr) n->endpoint = std::make_unique<Endpoint>();
  Endpoint* e = n->endpoint.get();
  for (const Route& other : e->routes) {
    if (other.method == method) {
      return absl::AlreadyExistsError(absl::StrCat(
          "route ", method, " ", pattern, " conflicts with ", other.method,
          " ", other.pattern, ": both match the same paths"));
    }
  }
  if (method == "GET") e->get = static_cast<int>(e->routes.size());
  e->routes.push_back(std::move(route));
  RebuildAllow(e);
  for (BuildNode* b : chain) ++b->routes;

  Tree& t = *tree_;
  t.nodes.assign(1, FlatNode());
  t.links.assign(1, FlatLinks());
  t.texts.clear();
  t.index.clear();
  t.keys.clear();
  t.text_offsets.clear();
  Flatten(t.root, 0, &t);
  for (size_t i = 0; i < t.keys.size(); ++i) {
    if (t.keys[i].check == StaticKey::kRest) {
      t.keys[i].text = t.texts.data() + t.text_offsets[i];
    }
  }
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    FlatNode& f = t.nodes[i];
    const FlatLinks& links = t.links[i];
    f.index = t.index.data() + links.keys;
    f.keys = t.keys.data() + links.keys;
    f.statics = t.nodes.data() + links.statics;
    f.params = t.nodes.data() + links.params;
  }
  nodes_ = t.nodes.data();
  return absl::OkStatus();
}

Match Router::Find(absl::string_view method, absl::string_view path,
                   Params* params) const {
  params->size_ = 0;
  Match m;
  if (path.empty() || path[0] != '/') return m;
  Lookup l{path.data(), path.data() + path.size(), params->params_.data()};
  const Found found = Walk(nodes_, path.data(), l);
  const Endpoint* e = found.endpoint;
  if (e == nullptr) return m;

  m.allow = e->allow;
  const Route* route = nullptr;
  for (const Route& r : e->routes) {
    if (r.method.size() == method.size() &&
        Equal(r.method.data(), method.data(), method.size())) {
      route = &r;
      break;
    }
  }
  if (route == nullptr) {
    if (method == "HEAD" && e->get >= 0) {
      route = &e->routes[e->get];
      m.head_via_get = true;
    } else {
      m.kind = method == "OPTIONS" ? Match::kOptions : Match::kMethodNotAllowed;
      m.pattern = e->routes.front().pattern;
      return m;
    }
  }
  m.pattern = route->pattern;
  m.handler_id = route->handler_id;

  // Decode only values with a '%' (none, without a look, when the walk saw
  // none); size the buffer once so that views into it stay valid while it
  // is filled.
  size_t n = route->names.size();
  Param* out = l.out;
  uint32_t escaped = 0;
  size_t need = 0;
  if (n != 0 && found.percent != 0) {
    for (size_t i = 0; i < n; ++i) {
      if (HasPercent(out[i].value)) {
        escaped |= 1u << i;
        need += out[i].value.size();
      }
    }
  }
  if (escaped != 0) {
    if (params->scratch_.size() < need) params->scratch_.resize(need);
    char* buf = params->scratch_.data();
    for (size_t i = 0; i < n; ++i) {
      if ((escaped & (1u << i)) == 0) continue;
      ptrdiff_t len = PercentDecode(out[i].value, buf);
      if (len < 0) {
        m.kind = Match::kBadRequest;
        return m;
      }
      out[i].value = absl::string_view(buf, len);
      buf += len;
    }
  }
  if (!route->names_in_nodes) {  // else the walk wrote them
    for (size_t i = 0; i < n; ++i) out[i].name = route->names[i];
  }
  params->size_ = n;
  m.kind = Match::kFound;
  return m;
}

}  // namespace hyper::routing
