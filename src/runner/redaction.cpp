#include "runner/redaction.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "runner/redaction/needle_set.hpp"
#include "runner/redaction/secret_forms.hpp"
#include "runner/redaction/token_shapes.hpp"

namespace ambient::runner {

using redaction::Span;

struct Redactor::Matcher {
    redaction::NeedleSet needles;
};

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trimmed(std::string_view v) {
    while (!v.empty() && is_space(v.front()))
        v.remove_prefix(1);
    while (!v.empty() && is_space(v.back()))
        v.remove_suffix(1);
    return v;
}

std::string replaced(std::string_view text, const std::vector<Span>& spans) {
    std::string out;
    out.reserve(text.size());
    std::size_t at = 0;
    for (const auto& span : spans) {
        out.append(text.substr(at, span.begin - at));
        out.append(kRedacted);
        at = span.end;
    }
    out.append(text.substr(at));
    return out;
}

// Moves `cut` back to the start of the UTF-8 character it would split, so that an emitted
// piece never ends inside one (the rest of which may not have arrived yet). Text that is not
// UTF-8 is cut anywhere.
std::size_t at_character_start(std::string_view text, std::size_t cut) {
    for (std::size_t back = 1; back <= 3 && back <= cut; ++back) {
        const auto c = static_cast<unsigned char>(text[cut - back]);
        if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
        const std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return length > back ? cut - back : cut;
    }
    return cut;
}

}  // namespace

Redactor::Redactor() : matcher_(std::make_shared<const Matcher>()) {}
Redactor::~Redactor() = default;

void Redactor::add_secrets(const std::vector<std::string>& values) {
    std::lock_guard lock(mutex_);
    bool added = false;
    for (const auto& value : values) {
        for (const auto v : {std::string_view(value), trimmed(value)}) {
            if (v.size() >= kMinSecretLength) added |= secrets_.emplace(v).second;
        }
    }
    if (!added) return;
    std::vector<std::string> needles;
    for (const auto& secret : secrets_) {
        for (auto& form : redaction::secret_forms(secret, kMinSecretLength))
            needles.push_back(std::move(form));
    }
    auto matcher = std::make_shared<Matcher>();
    matcher->needles = redaction::NeedleSet(needles);
    matcher_ = std::move(matcher);
}

std::shared_ptr<const Redactor::Matcher> Redactor::matcher() const {
    std::lock_guard lock(mutex_);
    return matcher_;
}

Redactor::Scan Redactor::scan(const Matcher& matcher, std::string_view text, bool complete) {
    Scan result;
    const std::size_t needle_tail = matcher.needles.scan(text, result.spans);
    const std::size_t shape_start = redaction::scan_token_shapes(text, complete, result.spans);
    result.settled = complete ? text.size() : std::min(text.size() - needle_tail, shape_start);
    redaction::merge_overlapping(result.spans);
    return result;
}

std::string Redactor::redact(std::string_view text) const {
    const auto found = scan(*matcher(), text, true);
    return found.spans.empty() ? std::string(text) : replaced(text, found.spans);
}

bool Redactor::redact_in_place(std::string& text) const {
    const auto found = scan(*matcher(), text, true);
    if (found.spans.empty()) return false;
    text = replaced(text, found.spans);
    return true;
}

void Redactor::redact_json(nlohmann::json& value) const {
    const auto m = matcher();
    auto redact_string = [&m](std::string& s) {
        const auto found = scan(*m, s, true);
        if (found.spans.empty()) return false;
        s = replaced(s, found.spans);
        return true;
    };
    // Iterative, so that a deeply nested document cannot exhaust the stack.
    std::vector<nlohmann::json*> todo{&value};
    while (!todo.empty()) {
        auto* v = todo.back();
        todo.pop_back();
        if (v->is_string()) {
            redact_string(v->get_ref<std::string&>());
        } else if (v->is_array()) {
            for (auto& item : *v)
                todo.push_back(&item);
        } else if (v->is_object()) {
            std::vector<std::pair<std::string, std::string>> renamed;
            for (auto it = v->begin(); it != v->end(); ++it) {
                std::string key = it.key();
                if (redact_string(key)) renamed.emplace_back(it.key(), std::move(key));
            }
            // Two keys that redact alike keep the later one's value.
            for (auto& [from, to] : renamed) {
                auto moved = std::move((*v)[from]);
                v->erase(from);
                (*v)[to] = std::move(moved);
            }
            for (auto& item : v->items())
                todo.push_back(&item.value());
        }
    }
}

std::size_t Redactor::max_match_length() const {
    return std::max(matcher()->needles.longest(), redaction::longest_token_shape());
}

std::string StreamRedactor::push(std::string_view piece) {
    pending_.append(piece);
    return take(false);
}

std::string StreamRedactor::finish() {
    auto rest = take(true);
    pending_.clear();
    covered_ = 0;
    return rest;
}

std::string StreamRedactor::take(bool complete) {
    const auto matcher = redactor_.matcher();
    auto found = Redactor::scan(*matcher, pending_, complete);
    // The held text's start may belong to a match whose marker went out already.
    const bool continued = covered_ > 0;
    if (continued) {
        found.spans.push_back({0, covered_});
        redaction::merge_overlapping(found.spans);
    }
    // Text from `settled` on may still become part of a match: it stays held. A match that
    // reaches past it is final (only its extent may grow, by merging with a later one that
    // overlaps it), so its marker can go out now: it stays one marker however far it grows.
    std::size_t cut = found.settled;
    const Span* open = nullptr;
    for (const auto& span : found.spans) {
        if (span.end > cut) {
            if (span.begin < cut) open = &span;
            break;
        }
    }
    if (open == nullptr && !complete) {
        // Never end an emitted piece inside a UTF-8 character; if that puts the cut inside a
        // match, cut after the match instead (it ends before `settled`).
        cut = at_character_start(pending_, cut);
        for (const auto& span : found.spans) {
            if (span.begin < cut && cut < span.end) cut = span.end;
        }
    }
    if (cut == 0) return {};

    std::string out;
    std::size_t at = 0;
    for (const auto& span : found.spans) {
        if (span.begin >= cut) break;
        out.append(pending_, at, span.begin - at);
        if (!(continued && span.begin == 0)) out.append(kRedacted);
        at = span.end;
    }
    if (at < cut) out.append(pending_, at, cut - at);
    covered_ = open != nullptr ? open->end - cut : 0;
    pending_.erase(0, cut);
    return out;
}

}  // namespace ambient::runner
