#include "libs/metrics/metrics.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hyper::metrics {

std::string FormatLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out.push_back(',');
    absl::StrAppend(&out, labels[i].first, "=\"");
    for (char c : labels[i].second) {
      if (c == '\\') {
        out.append("\\\\");
      } else if (c == '"') {
        out.append("\\\"");
      } else if (c == '\n') {
        out.append("\\n");
      } else {
        out.push_back(c);
      }
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

void AppendValue(std::string* out, double value) {
  if (std::isnan(value)) {
    out->append("NaN");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "+Inf" : "-Inf");
  } else if (value == std::floor(value) && std::fabs(value) < 1e15) {
    absl::StrAppend(out, static_cast<int64_t>(value));
  } else {
    absl::StrAppendFormat(out, "%.9g", value);
  }
}

void AppendFamilyHeader(std::string* out, absl::string_view name,
                        absl::string_view type, absl::string_view help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

void AppendSample(std::string* out, absl::string_view name, absl::string_view type,
                  absl::string_view help, double value) {
  AppendFamilyHeader(out, name, type, help);
  absl::StrAppend(out, name, " ");
  AppendValue(out, value);
  out->push_back('\n');
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  std::sort(bounds_.begin(), bounds_.end());
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double value) {
  size_t i = static_cast<size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (value > 0) {
    sum_nanos_.fetch_add(static_cast<uint64_t>(std::llround(value * 1e9)),
                         std::memory_order_relaxed);
  }
}

uint64_t Histogram::CumulativeCount(size_t i) const {
  uint64_t total = 0;
  for (size_t b = 0; b <= i && b <= bounds_.size(); ++b) {
    total += buckets_[b].load(std::memory_order_relaxed);
  }
  return total;
}

double Histogram::sum() const {
  return static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9;
}

std::vector<double> DefaultLatencyBounds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5, 5, 10};
}

Counter* Registry::AddCounter(absl::string_view name, absl::string_view help,
                              Labels labels) {
  auto series = std::make_unique<Series>();
  series->name = std::string(name);
  series->help = std::string(help);
  series->type = "counter";
  series->labels = FormatLabels(labels);
  series->counter = std::make_unique<Counter>();
  Counter* counter = series->counter.get();
  std::lock_guard<std::mutex> lock(mu_);
  series_.push_back(std::move(series));
  return counter;
}

Histogram* Registry::AddHistogram(absl::string_view name, absl::string_view help,
                                  Labels labels, std::vector<double> bounds) {
  auto series = std::make_unique<Series>();
  series->name = std::string(name);
  series->help = std::string(help);
  series->type = "histogram";
  series->label_pairs = std::move(labels);
  series->labels = FormatLabels(series->label_pairs);
  series->histogram = std::make_unique<Histogram>(std::move(bounds));
  Histogram* histogram = series->histogram.get();
  std::lock_guard<std::mutex> lock(mu_);
  series_.push_back(std::move(series));
  return histogram;
}

void Registry::AddGauge(absl::string_view name, absl::string_view help,
                        std::function<double()> read, Labels labels) {
  auto series = std::make_unique<Series>();
  series->name = std::string(name);
  series->help = std::string(help);
  series->type = "gauge";
  series->labels = FormatLabels(labels);
  series->gauge = std::move(read);
  std::lock_guard<std::mutex> lock(mu_);
  series_.push_back(std::move(series));
}

void Registry::AddCollector(Collector collector) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collector));
}

namespace {

std::string BucketLabels(const Labels& labels, absl::string_view le) {
  Labels with_le = labels;
  with_le.emplace_back("le", std::string(le));
  return FormatLabels(with_le);
}

}  // namespace

std::string Registry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  std::vector<bool> done(series_.size(), false);
  for (size_t i = 0; i < series_.size(); ++i) {
    if (done[i]) continue;
    const Series& first = *series_[i];
    AppendFamilyHeader(&out, first.name, first.type, first.help);
    for (size_t j = i; j < series_.size(); ++j) {
      const Series& s = *series_[j];
      if (done[j] || s.name != first.name) continue;
      done[j] = true;
      if (s.counter != nullptr) {
        absl::StrAppend(&out, s.name, s.labels, " ", s.counter->value(), "\n");
      } else if (s.gauge) {
        absl::StrAppend(&out, s.name, s.labels, " ");
        AppendValue(&out, s.gauge());
        out.push_back('\n');
      } else if (s.histogram != nullptr) {
        const Histogram& h = *s.histogram;
        for (size_t b = 0; b < h.bounds().size(); ++b) {
          std::string le;
          AppendValue(&le, h.bounds()[b]);
          absl::StrAppend(&out, s.name, "_bucket", BucketLabels(s.label_pairs, le),
                          " ", h.CumulativeCount(b), "\n");
        }
        absl::StrAppend(&out, s.name, "_bucket", BucketLabels(s.label_pairs, "+Inf"),
                        " ", h.count(), "\n", s.name, "_sum", s.labels, " ");
        AppendValue(&out, h.sum());
        absl::StrAppend(&out, "\n", s.name, "_count", s.labels, " ", h.count(), "\n");
      }
    }
  }
  for (const Collector& collector : collectors_) collector(&out);
  return out;
}

}  // namespace hyper::metrics
