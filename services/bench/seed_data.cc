#include "services/bench/seed_data.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hyper::bench {
namespace {

// splitmix64: tiny, fast, and the same on every platform (the standard
// library's distributions are not), seeded per row.
class Rng {
 public:
  Rng(uint64_t table, uint64_t id) : state_(table * 0x9E3779B97F4A7C15ull ^ (id + 0x632BE59BD9B4E019ull)) {
    Next();
  }
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Unit() * static_cast<double>(hi - lo + 1));
  }
  // Skewed towards 1: 1 + floor(n * u^power).
  int64_t Skewed(int64_t n, double power) {
    return 1 + std::min<int64_t>(n - 1, static_cast<int64_t>(n * std::pow(Unit(), power)));
  }
  double Normal(double mean, double sd) {
    double u1 = 1.0 - Unit();  // (0, 1]
    double u2 = Unit();
    return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

 private:
  uint64_t state_;
};

enum Table : uint64_t { kUserRows = 1, kPostRows, kCommentRows, kVoteRows, kTitleWords, kBodyWords };

// `n` words; with `rare_tail` the index is skewed so later words are rarer.
std::string Sentence(Rng& rng, int n, bool rare_tail, bool capitalize) {
  const std::vector<absl::string_view>& words = SeedData::Words();
  const int64_t count = static_cast<int64_t>(words.size());
  std::string out;
  for (int i = 0; i < n; ++i) {
    // The last word, kSearchWord, is never drawn here (see Post).
    int64_t w = rare_tail ? rng.Skewed(count - 1, 3.0) - 1 : rng.Between(0, count - 2);
    if (i > 0) out.push_back(' ');
    absl::StrAppend(&out, words[w]);
  }
  if (capitalize && !out.empty()) out[0] = absl::ascii_toupper(out[0]);
  return out;
}

absl::Duration Age(absl::Time t) { return kReferenceTime - t; }

}  // namespace

SeedSize SeedSizeFor(int64_t posts) {
  return SeedSize{.users = kUsers,
                  .posts = posts,
                  .comments = posts * kCommentsPerPost,
                  .votes = posts * kVotesPerPost};
}

const std::vector<absl::string_view>& SeedData::Words() {
  // Common first: the title generator picks early words most often.
  static const auto* words = new std::vector<absl::string_view>{
      "the", "new", "how", "why", "show", "ask", "best", "first", "fast", "open",
      "data", "code", "web", "app", "city", "game", "music", "food", "world", "life",
      "time", "year", "week", "today", "guide", "story", "review", "update", "release", "launch",
      "simple", "small", "big", "better", "faster", "modern", "secret", "hidden", "free", "cheap",
      "home", "house", "garden", "kitchen", "coffee", "tea", "bread", "pizza", "recipe", "dinner",
      "python", "rust", "linux", "postgres", "database", "server", "cloud", "network", "browser", "kernel",
      "phone", "laptop", "camera", "battery", "screen", "keyboard", "printer", "router", "drone", "robot",
      "river", "mountain", "forest", "ocean", "island", "desert", "valley", "lake", "beach", "storm",
      "science", "space", "planet", "moon", "star", "galaxy", "rocket", "physics", "biology", "chemistry",
      "history", "museum", "library", "school", "college", "teacher", "student", "lesson", "exam", "book",
      "movie", "film", "series", "album", "concert", "festival", "artist", "painting", "poem", "novel",
      "team", "match", "season", "player", "coach", "league", "record", "victory", "final", "cup",
      "market", "price", "stock", "bank", "money", "budget", "startup", "company", "office", "job",
      "health", "sleep", "running", "yoga", "doctor", "hospital", "medicine", "diet", "walk", "bike",
      "travel", "train", "flight", "airport", "hotel", "road", "bridge", "tunnel", "harbor", "ship",
      "dog", "cat", "horse", "bird", "fish", "bear", "wolf", "fox", "owl", "whale",
      "winter", "summer", "spring", "autumn", "rain", "snow", "wind", "sun", "cloudy", "weather",
      "design", "pattern", "style", "color", "shape", "paper", "pencil", "canvas", "studio", "gallery",
      "engine", "motor", "wheel", "gear", "circuit", "sensor", "signal", "radio", "antenna", "satellite",
      "puzzle", "chess", "cards", "dice", "riddle", "maze", "quiz", "trivia", "hobby", "craft",
      "theory", "proof", "lemma", "graph", "matrix", "vector", "prime", "number", "logic", "algebra",
      "compiler", "parser", "index", "cache", "thread", "socket", "packet", "buffer", "queue", "stack",
      "village", "castle", "tower", "palace", "temple", "ruins", "statue", "fountain", "square", "street",
      "violin", "piano", "guitar", "drum", "flute", "trumpet", "choir", "opera", "ballet", "jazz",
      "glacier", "volcano", "canyon", "meadow", "prairie", "tundra", "lagoon", "reef", "delta", "fjord",
      "lantern", "compass", "anchor", "sextant", "telescope", "microscope", "barometer", "hourglass",
      "sundial", "abacus", "pangolin", "axolotl", "narwhal", "okapi", "tapir", "capybara", "wombat",
      "platypus", "kakapo", "quokka",
  };
  return *words;
}

double SeedData::HotScore(int64_t score, absl::Time created_at) {
  double order = std::log10(std::max<double>(static_cast<double>(std::llabs(score)), 1.0));
  double sign = score > 0 ? 1 : (score < 0 ? -1 : 0);
  double seconds = absl::ToDoubleSeconds(created_at - absl::FromUnixSeconds(1134028003));
  return sign * order + seconds / 45000.0;
}

double SeedData::ControversyScore(int64_t up, int64_t down) {
  if (up <= 0 || down <= 0) return 0;
  double balance = static_cast<double>(std::min(up, down)) / static_cast<double>(std::max(up, down));
  return std::pow(static_cast<double>(up + down), balance);
}

double SeedData::Velocity(int64_t score, absl::Time created_at) {
  double hours = absl::ToDoubleHours(Age(created_at));
  return static_cast<double>(score) / std::pow(hours + 2.0, 1.5);
}

UserRow SeedData::User(int64_t id) const {
  Rng rng(kUserRows, static_cast<uint64_t>(id));
  const auto& words = Words();
  absl::string_view a = words[rng.Between(0, 199)];
  absl::string_view b = words[rng.Between(0, 199)];
  return UserRow{
      .id = id,
      .username = absl::StrFormat("%s_%s%d", a, b, id),
      .karma = static_cast<int64_t>(std::exp(rng.Normal(5.0, 1.5))),
      .created_at = kReferenceTime - absl::Hours(24 * (30 + rng.Unit() * 700)),
  };
}

PostRow SeedData::Post(int64_t id) const {
  Rng rng(kPostRows, static_cast<uint64_t>(id));
  PostRow p;
  p.id = id;
  p.author_id = rng.Skewed(size_.users, 3.0);
  p.created_at = kReferenceTime - absl::Seconds(rng.Unit() * 30 * 24 * 3600);
  Rng title_rng(kTitleWords, static_cast<uint64_t>(id));
  p.title = Sentence(title_rng, static_cast<int>(title_rng.Between(4, 10)), true, true);
  // One title in 1,000 mentions the search word: rare enough that the
  // planner's estimate, from a 100-title sample, never makes walking a feed
  // index look cheaper than the trigram index.
  if (title_rng.Unit() < 0.001) absl::StrAppend(&p.title, " ", kSearchWord);
  Rng body_rng(kBodyWords, static_cast<uint64_t>(id));
  p.body = Sentence(body_rng, static_cast<int>(body_rng.Between(12, 30)), false, true) + ".";
  p.upvotes = std::min<int64_t>(50000, static_cast<int64_t>(std::exp(rng.Normal(2.5, 1.4))));
  p.downvotes = static_cast<int64_t>(static_cast<double>(p.upvotes) * rng.Unit() * 0.7) +
                rng.Between(0, 3);
  p.score = p.upvotes - p.downvotes;
  p.num_comments = kCommentsPerPost;
  p.hot_score = HotScore(p.score, p.created_at);
  p.controversy_score = ControversyScore(p.upvotes, p.downvotes);
  p.velocity = Velocity(p.score, p.created_at);
  p.is_deleted = rng.Unit() < 0.01;
  return p;
}

std::array<CommentRow, kCommentsPerPost> SeedData::Comments(const PostRow& post) const {
  Rng rng(kCommentRows, static_cast<uint64_t>(post.id));
  absl::Duration window = std::min(Age(post.created_at), absl::Hours(48));
  std::array<CommentRow, kCommentsPerPost> out;
  for (int64_t i = 0; i < kCommentsPerPost; ++i) {
    CommentRow& c = out[i];
    c.id = (post.id - 1) * kCommentsPerPost + i + 1;
    c.post_id = post.id;
    c.author_id = rng.Skewed(size_.users, 2.0);
    c.score = static_cast<int64_t>(std::exp(rng.Normal(1.0, 1.2))) - rng.Between(0, 2);
    c.body = Sentence(rng, static_cast<int>(rng.Between(5, 20)), false, true);
    c.created_at = post.created_at + rng.Unit() * window;
  }
  return out;
}

std::array<VoteRow, kVotesPerPost> SeedData::Votes(const PostRow& post) const {
  Rng rng(kVoteRows, static_cast<uint64_t>(post.id));
  absl::Duration window = std::min(Age(post.created_at), absl::Hours(72));
  double up_share = post.upvotes + post.downvotes > 0
                        ? static_cast<double>(post.upvotes) /
                              static_cast<double>(post.upvotes + post.downvotes)
                        : 0.5;
  std::array<VoteRow, kVotesPerPost> out;
  for (int64_t i = 0; i < kVotesPerPost; ++i) {
    int64_t user = 0;
    for (bool fresh = false; !fresh;) {
      // Skewed, with a uniform fallback so distinct users are always found.
      user = rng.Unit() < 0.9 ? rng.Skewed(size_.users, 2.0) : rng.Between(1, size_.users);
      fresh = true;
      for (int64_t j = 0; j < i; ++j) fresh = fresh && out[j].user_id != user;
    }
    out[i] = VoteRow{.user_id = user,
                     .post_id = post.id,
                     .value = rng.Unit() < up_share ? 1 : -1,
                     .created_at = post.created_at + rng.Unit() * window};
  }
  return out;
}

std::vector<std::string> CreateTablesSql() {
  const std::string s(kBenchSchema);
  return {
      absl::StrCat("CREATE TABLE ", s, ".users (id int8 NOT NULL, username text NOT NULL, "
                   "karma int4 NOT NULL, created_at timestamptz NOT NULL)"),
      absl::StrCat("CREATE TABLE ", s, ".posts (id int8 NOT NULL, author_id int8 NOT NULL, "
                   "title text NOT NULL, body text NOT NULL, upvotes int4 NOT NULL, "
                   "downvotes int4 NOT NULL, score int4 NOT NULL, num_comments int4 NOT NULL, "
                   "hot_score float8 NOT NULL, controversy_score float8 NOT NULL, "
                   "velocity float8 NOT NULL, is_deleted bool NOT NULL, "
                   "created_at timestamptz NOT NULL)"),
      absl::StrCat("CREATE TABLE ", s, ".comments (id int8 NOT NULL, post_id int8 NOT NULL, "
                   "author_id int8 NOT NULL, score int4 NOT NULL, body text NOT NULL, "
                   "created_at timestamptz NOT NULL)"),
      absl::StrCat("CREATE TABLE ", s, ".votes (user_id int8 NOT NULL, post_id int8 NOT NULL, "
                   "value int2 NOT NULL, created_at timestamptz NOT NULL)"),
      absl::StrCat("CREATE TABLE ", s, ".seed_info (generator int4 NOT NULL, "
                   "users int8 NOT NULL, posts int8 NOT NULL, comments int8 NOT NULL, "
                   "votes int8 NOT NULL, complete bool NOT NULL, "
                   "seeded_at timestamptz NOT NULL DEFAULT now())"),
  };
}

std::vector<std::string> CreateIndexesSql(absl::string_view trgm_schema) {
  const std::string s(kBenchSchema);
  const std::string live = " WHERE NOT is_deleted";
  return {
      absl::StrCat("ALTER TABLE ", s, ".users ADD CONSTRAINT users_pkey PRIMARY KEY (id)"),
      absl::StrCat("ALTER TABLE ", s, ".posts ADD CONSTRAINT posts_pkey PRIMARY KEY (id)"),
      absl::StrCat("ALTER TABLE ", s, ".comments ADD CONSTRAINT comments_pkey PRIMARY KEY (id)"),
      // INCLUDE (value): the vote check is answered from the index alone.
      absl::StrCat("ALTER TABLE ", s, ".votes ADD CONSTRAINT votes_pkey "
                   "PRIMARY KEY (user_id, post_id) INCLUDE (value)"),
      absl::StrCat("ALTER TABLE ", s, ".posts ADD CONSTRAINT posts_author_fkey "
                   "FOREIGN KEY (author_id) REFERENCES ", s, ".users (id)"),
      absl::StrCat("ALTER TABLE ", s, ".comments ADD CONSTRAINT comments_post_fkey "
                   "FOREIGN KEY (post_id) REFERENCES ", s, ".posts (id)"),
      absl::StrCat("ALTER TABLE ", s, ".comments ADD CONSTRAINT comments_author_fkey "
                   "FOREIGN KEY (author_id) REFERENCES ", s, ".users (id)"),
      absl::StrCat("ALTER TABLE ", s, ".votes ADD CONSTRAINT votes_user_fkey "
                   "FOREIGN KEY (user_id) REFERENCES ", s, ".users (id)"),
      absl::StrCat("ALTER TABLE ", s, ".votes ADD CONSTRAINT votes_post_fkey "
                   "FOREIGN KEY (post_id) REFERENCES ", s, ".posts (id)"),
      // The feeds: partial on NOT is_deleted, like the queries that say so.
      // `id` breaks ties so pages are stable (and keyset pagination works).
      absl::StrCat("CREATE INDEX posts_hot_idx ON ", s, ".posts (hot_score, id)", live),
      absl::StrCat("CREATE INDEX posts_new_idx ON ", s, ".posts (created_at, id)", live),
      absl::StrCat("CREATE INDEX posts_top_idx ON ", s, ".posts (score, id)", live),
      absl::StrCat("CREATE INDEX posts_controversy_idx ON ", s, ".posts (controversy_score, id)",
                   live),
      // One column: the narrowest index over live posts, which count(*) reads.
      absl::StrCat("CREATE INDEX posts_rising_idx ON ", s, ".posts (velocity)", live),
      // A user's posts by date; INCLUDE (score) lets the per-author
      // aggregate run as an index-only scan, already grouped by author.
      absl::StrCat("CREATE INDEX posts_author_idx ON ", s, ".posts (author_id, created_at) "
                   "INCLUDE (score)", live),
      absl::StrCat("CREATE INDEX posts_title_trgm_idx ON ", s, ".posts USING gin (title ",
                   trgm_schema, ".gin_trgm_ops)", live),
      absl::StrCat("CREATE INDEX comments_post_score_idx ON ", s, ".comments (post_id, score)"),
  };
}

SeedCompletionSql SeedCompletionSqlFor(const SeedSize& size) {
  const std::string s(kBenchSchema);
  const std::string tables =
      absl::StrCat(s, ".users, ", s, ".posts, ", s, ".comments, ", s, ".votes");
  return {
      // VACUUM marks a page all-visible (what index-only scans need) only
      // when the commits that inserted its rows are flushed to WAL. With
      // synchronous_commit=off (the private server's setting) the COPY
      // commits may not be yet; this write commits synchronously, which
      // flushes everything before it.
      .mark_started = absl::StrCat(
          "WITH sync AS (SELECT set_config('synchronous_commit', 'on', true)) "
          "INSERT INTO ", s, ".seed_info (generator, users, posts, comments, votes, "
          "complete) SELECT ", kGeneratorVersion, ", ", size.users, ", ", size.posts, ", ",
          size.comments, ", ", size.votes, ", false FROM sync"),
      .vacuum = absl::StrCat("VACUUM (ANALYZE) ", tables),
      .all_visible = absl::StrCat(
          "SELECT bool_and(relallvisible >= relpages) FROM pg_class WHERE oid IN ('", s,
          ".users'::regclass, '", s, ".posts'::regclass, '", s, ".comments'::regclass, '", s,
          ".votes'::regclass)"),
      .mark_complete = absl::StrCat("UPDATE ", s, ".seed_info SET complete = true"),
  };
}

}  // namespace hyper::bench
