#include "runner/redaction.hpp"

#include <algorithm>
#include <regex>

#include "common/client/http_client.hpp"
#include "common/crypto/base64.hpp"

namespace ambient::runner {
namespace {

constexpr std::size_t kMinSecretLength = 6;
// The longest token a shape pattern matches (GitHub fine-grained PATs are 93 characters).
constexpr std::size_t kMaxShapeLength = 256;

const std::regex& shapes() {
    static const std::regex re(
        R"((gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255}|glpat-[A-Za-z0-9_\-]{20,255}|sk-ant-[A-Za-z0-9_\-]{20,255}|xox[bpars]-[A-Za-z0-9\-]{10,255}|AKIA[0-9A-Z]{16}))");
    return re;
}

}  // namespace

void Redactor::add_secrets(const std::vector<std::string>& values) {
    std::lock_guard lock(mutex_);
    for (const auto& v : values) {
        if (v.size() < kMinSecretLength) continue;
        for (auto form : {v, crypto::base64_encode(v), client::url_encode(v)}) {
            if (std::find(needles_.begin(), needles_.end(), form) == needles_.end()) needles_.push_back(form);
        }
    }
    std::sort(needles_.begin(), needles_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string Redactor::redact(std::string_view text) const {
    std::string out(text);
    {
        std::lock_guard lock(mutex_);
        for (const auto& n : needles_) {
            for (auto pos = out.find(n); pos != std::string::npos; pos = out.find(n, pos + kRedacted.size()))
                out.replace(pos, n.size(), kRedacted);
        }
    }
    return std::regex_replace(out, shapes(), std::string(kRedacted));
}

std::size_t Redactor::max_match_length() const {
    std::lock_guard lock(mutex_);
    std::size_t longest = kMaxShapeLength;
    for (const auto& n : needles_)
        longest = std::max(longest, n.size());
    return longest;
}

std::string StreamRedactor::push(std::string_view piece) {
    pending_.append(piece);
    const auto hold = redactor_.max_match_length() - 1;
    if (pending_.size() <= hold) return {};
    // Redact everything, then emit all but a tail that could still be the start of a match.
    // The tail is cut from the unredacted text, so a match inside it is found next time.
    const auto cut = pending_.size() - hold;
    std::string head = pending_.substr(0, cut);
    // A match that straddles the cut: extend the head past it.
    std::string redacted_whole = redactor_.redact(pending_);
    (void)redacted_whole;
    std::string emitted = redactor_.redact(head);
    pending_.erase(0, cut);
    return emitted;
}

std::string StreamRedactor::finish() {
    std::string rest = redactor_.redact(pending_);
    pending_.clear();
    return rest;
}

}  // namespace ambient::runner
