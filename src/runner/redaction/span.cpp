#include "runner/redaction/span.hpp"

#include <algorithm>

namespace ambient::runner::redaction {

void merge_overlapping(std::vector<Span>& spans) {
    if (spans.size() < 2) return;
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
    std::size_t kept = 0;
    for (std::size_t i = 1; i < spans.size(); ++i) {
        if (spans[i].begin < spans[kept].end) {
            spans[kept].end = std::max(spans[kept].end, spans[i].end);
        } else {
            spans[++kept] = spans[i];
        }
    }
    spans.resize(kept + 1);
}

}  // namespace ambient::runner::redaction
