#include "libs/routing/router.h"

#include <algorithm>
#include <cstring>
#include <utility>

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
// A lookup is a chain of dependent steps, so what counts is how soon each
// step knows the next node's address. Computing it from an index (not
// loading a pointer) and choosing static children with predictable branches
// (not a vector compare whose result feeds the address) each took the
// five-parameter benchmark down by about a third.

enum class Kind : uint8_t { kStatic, kInt, kParam, kCatchAll };

// One registered (method, pattern).
struct Route {
  std::string method;
  uint32_t handler_id;
  std::string pattern;
  std::vector<std::string> names;  // parameter names in pattern order
};

// The routes of one pattern shape.
struct Endpoint {
  std::vector<Route> routes;  // registration order
  int get = -1;               // index of the GET route, for HEAD
  std::string allow;          // the Allow value, rebuilt on each Add
};

struct BuildNode {
  std::string text;  // static nodes: the unit, e.g. "/users"
  uint8_t param_index = 0;
  uint32_t routes = 0;  // routes at or below this node
  std::vector<std::unique_ptr<BuildNode>> statics;
  std::unique_ptr<BuildNode> int_child;
  std::unique_ptr<BuildNode> param_child;
  std::unique_ptr<BuildNode> catch_all;
  std::unique_ptr<Endpoint> endpoint;
};

// How Find() recognises one static child without touching the child's node:
// its text's first 8 bytes (zero-padded) compared under `mask` with one
// load of the path, then the rest of the text if longer.
struct StaticKey {
  uint64_t head = 0;
  uint64_t mask = 0;  // the first min(size, 8) bytes
  const char* text = nullptr;  // Tree::texts[text_offset]
  uint32_t size = 0;
  uint32_t text_offset = 0;
};

enum ChildKind : uint8_t {
  kHasStatics = 1,
  kHasInt = 2,
  kHasParam = 4,
  kHasCatchAll = 8,
};

// 64 bytes, so that a step of Find() reads one cache line.
struct alignas(64) FlatNode {
  // The byte after the '/' of each static child's text ('/' for the empty
  // segment), at Tree::index[index_offset]; searched by vector compare when
  // a node has too many static children for a scan of `keys`.
  const char* index = nullptr;
  const StaticKey* keys = nullptr;  // static children: Tree::keys[index_offset]
  const Endpoint* endpoint = nullptr;
  uint32_t index_offset = 0;
  uint32_t first_static = 0;  // the statics are nodes [first, first + num)
  uint32_t num_statics = 0;
  uint32_t int_child = 0;  // 0: none (node 0 is the root, nobody's child)
  uint32_t param_child = 0;
  uint32_t catch_all = 0;
  uint32_t param_index = 0;  // parameter nodes: slot in Params
  uint8_t kinds = 0;         // which children exist: bits of ChildKind
  // The Params slots of int_child and param_child, saving a load from them.
  uint8_t int_slot = 0;
  uint8_t param_slot = 0;
};
static_assert(sizeof(FlatNode) == 64);

struct Tree {
  BuildNode root;
  std::vector<FlatNode> nodes;  // nodes[0] is the root
  std::string texts;
  std::string index;  // FlatNode::index of all nodes, each padded to 16
  std::vector<StaticKey> keys;  // parallel to `index`
};

}  // namespace routing_internal

namespace {

using routing_internal::BuildNode;
using routing_internal::ChildKind;
using routing_internal::Endpoint;
using routing_internal::FlatNode;
using routing_internal::Kind;
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

absl::Status ParsePattern(absl::string_view pattern, std::vector<Unit>* units,
                          std::vector<std::string>* names) {
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
      names->emplace_back(param.text);
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

BuildNode* Child(BuildNode* n, const Unit& unit, uint8_t param_index) {
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
  {
    FlatNode& f = t->nodes[self];
    f.endpoint = b.endpoint.get();
    f.num_statics = static_cast<uint32_t>(statics.size());
    f.first_static = first;
    f.index_offset = static_cast<uint32_t>(t->index.size());
  }
  t->nodes.resize(first + statics.size());
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
    k.text_offset = static_cast<uint32_t>(offset);
    k.size = static_cast<uint32_t>(t->texts.size() - offset);
    size_t head = std::min<size_t>(k.size, 8);
    std::memcpy(&k.head, t->texts.data() + offset, head);
    k.mask = head == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * head)) - 1;
    t->keys.push_back(k);
    statics[i] = c;  // where the run ends
  }
  t->index.resize((t->index.size() + 15) / 16 * 16, '\0');
  t->keys.resize(t->index.size());
  for (size_t i = 0; i < statics.size(); ++i) {
    Flatten(*statics[i], first + static_cast<uint32_t>(i), t);
  }
  const std::pair<const BuildNode*, uint32_t FlatNode::*> params[] = {
      {b.int_child.get(), &FlatNode::int_child},
      {b.param_child.get(), &FlatNode::param_child},
      {b.catch_all.get(), &FlatNode::catch_all},
  };
  for (const auto& [child, field] : params) {
    if (child == nullptr) continue;
    uint32_t at = static_cast<uint32_t>(t->nodes.size());
    t->nodes.emplace_back();
    t->nodes[at].param_index = child->param_index;
    t->nodes[self].*field = at;
    Flatten(*child, at, t);
  }
  FlatNode& f = t->nodes[self];
  f.kinds = static_cast<uint8_t>(
      (f.num_statics != 0 ? ChildKind::kHasStatics : 0) |
      (f.int_child != 0 ? ChildKind::kHasInt : 0) |
      (f.param_child != 0 ? ChildKind::kHasParam : 0) |
      (f.catch_all != 0 ? ChildKind::kHasCatchAll : 0));
  if (b.int_child != nullptr) f.int_slot = b.int_child->param_index;
  if (b.param_child != nullptr) f.param_slot = b.param_child->param_index;
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

// The state of one lookup. Walk() copies the fields it loops on into
// locals: stores into `out` could otherwise alias them and force reloads.
struct Lookup {
  const FlatNode* nodes;
  const char* begin;       // the path
  const char* end;
  Param* out;  // raw parameter values by index
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

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "StaticKey::head and Head() assume little-endian loads");

// The 8 bytes at p, zero past `end` (p < end), without reading outside
// [begin, end).
inline uint64_t Head(const char* p, const char* begin, const char* end) {
  if (end - p >= 8) return Load<uint64_t>(p);
  if (end - begin >= 8) {
    return Load<uint64_t>(end - 8) >> (8 * (8 - (end - p)));
  }
  uint64_t w = 0;
  for (int i = 0; i < end - p; ++i) {
    w |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  }
  return w;
}

// Whether the static child `k` is the text at p, ending at a unit boundary;
// `head` is Head(p). Texts hold no zero byte, so a head match of a text of
// at most 8 bytes also proves that the path is long enough.
inline bool KeyMatches(const StaticKey& k, uint64_t head, const char* p,
                       const char* end) {
  if ((head & k.mask) != k.head) return false;
  size_t n = k.size;
  if (n > 8) {
    if (static_cast<size_t>(end - p) < n) return false;
    if (n <= 16 ? Load<uint64_t>(p + n - 8) != Load<uint64_t>(k.text + n - 8)
                : !Equal(p + 8, k.text + 8, n - 8)) {
      return false;
    }
  }
  return p + n == end || p[n] == '/';
}

// The index among n's static children of the one whose text starts
// [p, end) (p < end, *p == '/') and ends at a unit boundary; -1 if none.
inline int FindStatic(const FlatNode& n, const char* p, const char* begin,
                      const char* end) {
  const uint64_t head = Head(p, begin, end);
  const StaticKey* const keys = n.keys;
  if (n.num_statics <= 32) {
    // A scalar scan: the CPU predicts which child matches and runs ahead,
    // where a vector compare would make the next node's address wait for
    // the key byte. Measured faster on both one repeated path and a random
    // mix of the GitHub table.
    for (uint32_t i = 0; i < n.num_statics; ++i) {
      if (KeyMatches(keys[i], head, p, end)) return static_cast<int>(i);
    }
    return -1;
  }
  // Children can share the dispatch byte ("/issues", "/import"), so each
  // hit is checked in full.
  const char key = p + 1 < end ? p[1] : '/';
  for (uint32_t base = 0; base < n.num_statics; base += 16) {
    uint32_t hits;
#ifdef __SSE2__
    __m128i chunk =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(n.index + base));
    hits = _mm_movemask_epi8(_mm_cmpeq_epi8(chunk, _mm_set1_epi8(key)));
#else
    hits = 0;
    for (int i = 0; i < 16; ++i) hits |= uint32_t{n.index[base + i] == key} << i;
#endif
    if (n.num_statics - base < 16) hits &= (1u << (n.num_statics - base)) - 1;
    for (; hits != 0; hits &= hits - 1) {
      uint32_t i = base + __builtin_ctz(hits);
      if (KeyMatches(keys[i], head, p, end)) return static_cast<int>(i);
    }
  }
  return -1;
}

constexpr uint64_t kOnes = 0x0101010101010101;
constexpr uint64_t kHighs = 0x8080808080808080;

// The bytes of `word` equal to c: exact in the lowest set bit only (a
// borrow can set the bits of higher bytes).
inline uint64_t FirstByteEqual(uint64_t word, char c) {
  word ^= kOnes * static_cast<unsigned char>(c);
  return (word - kOnes) & ~word & kHighs;
}

// The end of the segment that starts at p < end: the next '/' or `end`.
// `head` is Head(p): most segments end within it.
inline const char* SegmentEnd(const char* p, uint64_t head, const char* begin,
                              const char* end) {
  if (uint64_t hits = FirstByteEqual(head, '/'); hits != 0) {
    return p + __builtin_ctzll(hits) / 8;
  }
  if (end - p <= 8) return end;
  p += 8;
#ifdef __SSE2__
  const __m128i slash = _mm_set1_epi8('/');
  while (end - p > 16) {
    __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if (int hits = _mm_movemask_epi8(_mm_cmpeq_epi8(chunk, slash))) {
      return p + __builtin_ctz(hits);
    }
    p += 16;
  }
  if (end - begin >= 16) {
    // At most 16 bytes left: load the path's last 16, drop those before p.
    __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(end - 16));
    unsigned hits = static_cast<unsigned>(_mm_movemask_epi8(
                        _mm_cmpeq_epi8(chunk, slash))) >>
                    (16 - (end - p));
    return hits != 0 ? p + __builtin_ctz(hits) : end;
  }
#endif
  while (p < end && *p != '/') ++p;
  return p;
}

// IsInt64(p, p + size) for the common short segment, whose bytes are the
// low `size` of `head` (Head(p)).
inline bool IsInt64(const char* p, size_t size, uint64_t head) {
  if (size > 8) return IsInt64(p, p + size);
  bool negative = (head & 0xff) == '-';
  head >>= 8 * negative;
  size -= negative;
  if (size == 0) return false;
  // At most 8 digits always fit. Fill the bytes past the segment with '0'
  // and check that every byte is 0x30..0x39; neither sum can carry out of
  // a byte whose high nibble is 3.
  uint64_t mask = size == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * size)) - 1;
  uint64_t digits = (head & mask) | (kOnes * '0' & ~mask);
  return (digits & kOnes * 0xf0) == kOnes * 0x30 &&
         ((digits + kOnes * 6) & kOnes * 0xf0) == kOnes * 0x30;
}

// Finds the endpoint for the rest of the path, [p, l.end), below node `at`,
// writing raw parameter values to l.out. Tries the static child, then int,
// then plain parameters, then the catch-all; recurses only where a later
// alternative remains, and loops otherwise.
const Endpoint* Walk(uint32_t at, const char* p, const Lookup& l) {
  const FlatNode* const nodes = l.nodes;
  const char* const begin = l.begin;
  const char* const end = l.end;
  Param* const out = l.out;
  while (true) {
    const FlatNode& n = nodes[at];
    if (p == end) return n.endpoint;
    const uint32_t kinds = n.kinds;
    if (kinds & ChildKind::kHasStatics) {
      if (int i = FindStatic(n, p, begin, end); i >= 0) {
        const uint32_t s = n.first_static + i;
        const char* next = p + n.keys[i].size;
        if (kinds == ChildKind::kHasStatics) {
          at = s;
          p = next;
          continue;
        }
        if (const Endpoint* e = Walk(s, next, l)) return e;
      }
    }
    if ((kinds & (ChildKind::kHasInt | ChildKind::kHasParam)) != 0 &&
        p + 1 < end) {
      const char* seg = p + 1;
      const uint64_t head = Head(seg, begin, end);
      const char* seg_end = SegmentEnd(seg, head, begin, end);
      if (seg_end != seg) {
        absl::string_view value(seg, seg_end - seg);
        if ((kinds & ChildKind::kHasInt) &&
            IsInt64(seg, seg_end - seg, head)) {
          out[n.int_slot].value = value;
          if ((kinds & (ChildKind::kHasParam | ChildKind::kHasCatchAll)) ==
              0) {
            at = n.int_child;
            p = seg_end;
            continue;
          }
          if (const Endpoint* e = Walk(n.int_child, seg_end, l)) return e;
        }
        if (kinds & ChildKind::kHasParam) {
          out[n.param_slot].value = value;
          if ((kinds & ChildKind::kHasCatchAll) == 0) {
            at = n.param_child;
            p = seg_end;
            continue;
          }
          if (const Endpoint* e = Walk(n.param_child, seg_end, l)) return e;
        }
      }
    }
    if ((kinds & ChildKind::kHasCatchAll) == 0) return nullptr;
    const FlatNode& c = nodes[n.catch_all];
    out[c.param_index].value = absl::string_view(p + 1, end - p - 1);
    return c.endpoint;
  }
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
#ifdef __SSE2__
    const __m128i percent = _mm_set1_epi8('%');
    for (size_t i = 0; i < n; i += 16) {
      const char* at = i + 16 <= n ? p + i : p + n - 16;
      __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
      if (_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, percent)) != 0) return true;
    }
    return false;
#else
    return std::memchr(p, '%', n) != nullptr;
#endif
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
  Route route{std::string(method), handler_id, std::string(pattern), {}};
  if (absl::Status s = ParsePattern(pattern, &units, &route.names); !s.ok()) {
    return s;
  }

  std::vector<BuildNode*> chain = {&tree_->root};
  uint8_t params = 0;
  for (const Unit& unit : units) {
    chain.push_back(Child(chain.back(), unit, params));
    if (unit.kind != Kind::kStatic) ++params;
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
  t.texts.clear();
  t.index.clear();
  t.keys.clear();
  Flatten(t.root, 0, &t);
  for (StaticKey& k : t.keys) k.text = t.texts.data() + k.text_offset;
  for (FlatNode& f : t.nodes) {
    f.index = t.index.data() + f.index_offset;
    f.keys = t.keys.data() + f.index_offset;
  }
  nodes_ = t.nodes.data();
  return absl::OkStatus();
}

Match Router::Find(absl::string_view method, absl::string_view path,
                   Params* params) const {
  params->size_ = 0;
  Match m;
  if (path.empty() || path[0] != '/') return m;
  Lookup l{nodes_, path.data(), path.data() + path.size(),
           params->params_.data()};
  const Endpoint* e = Walk(0, path.data(), l);
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

  // Decode only values with a '%'; size the buffer once so that views into
  // it stay valid while it is filled.
  size_t n = route->names.size();
  Param* out = l.out;
  uint32_t escaped = 0;
  size_t need = 0;
  if (n != 0 && HasPercent(path)) {
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
  for (size_t i = 0; i < n; ++i) out[i].name = route->names[i];
  params->size_ = n;
  m.kind = Match::kFound;
  return m;
}

}  // namespace hyper::routing
