#include "sse_response_parser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace bench {
namespace {

constexpr std::size_t kMaxHead = 16 * 1024;
constexpr std::size_t kMaxLine = 16 * 1024 * 1024;

bool contains_ignoring_case(std::string_view text, std::string_view word) {
    const auto it = std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    });
    return it != text.end();
}

}  // namespace

void SseResponseParser::fail(std::string why) {
    state_ = State::Failed;
    error_ = std::move(why);
}

void SseResponseParser::parse_head() {
    // "HTTP/1.1 200 OK"
    const auto space = head_.find(' ');
    if (head_.compare(0, 5, "HTTP/") != 0 || space == std::string::npos) return fail("not an HTTP response");
    std::from_chars(head_.data() + space + 1, head_.data() + head_.size(), status_);
    if (status_ < 100) return fail("bad status line");
    bool chunked = false;
    std::size_t pos = head_.find("\r\n");
    while (pos != std::string::npos && pos + 2 < head_.size()) {
        const auto end = head_.find("\r\n", pos + 2);
        const std::string_view field(head_.data() + pos + 2, (end == std::string::npos ? head_.size() : end) - pos - 2);
        const auto colon = field.find(':');
        if (colon != std::string_view::npos && contains_ignoring_case(field.substr(0, colon), "transfer-encoding") &&
            contains_ignoring_case(field.substr(colon + 1), "chunked")) {
            chunked = true;
        }
        pos = end;
    }
    head_.clear();
    head_.shrink_to_fit();
    state_ = chunked ? State::ChunkSize : State::Unframed;
}

std::string_view SseResponseParser::next_body_bytes(std::string_view& bytes) {
    switch (state_) {
        case State::Head: {
            // The head ends at the first blank line; it may arrive split anywhere.
            const std::size_t before = head_.size();
            head_.append(bytes);
            const auto end = head_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
            if (end == std::string::npos) {
                bytes = {};
                if (head_.size() > kMaxHead) fail("response head too large");
                return {};
            }
            bytes.remove_prefix(end + 4 - before);
            head_.resize(end + 2);
            parse_head();
            return {};
        }
        case State::ChunkSize: {
            const auto nl = bytes.find('\n');
            size_line_.append(bytes.substr(0, nl));
            if (nl == std::string_view::npos) {
                bytes = {};
                if (size_line_.size() > 64) fail("chunk size line too long");
                return {};
            }
            bytes.remove_prefix(nl + 1);
            std::uint64_t size = 0;
            const auto [end, ec] = std::from_chars(size_line_.data(), size_line_.data() + size_line_.size(), size, 16);
            if (ec != std::errc{} || end == size_line_.data()) {
                fail("bad chunk size");
                return {};
            }
            size_line_.clear();
            if (size == 0) {
                state_ = State::Ended;  // the server ended the stream
                return {};
            }
            chunk_left_ = size;
            state_ = State::ChunkData;
            return {};
        }
        case State::ChunkData: {
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, bytes.size()));
            const auto piece = bytes.substr(0, n);
            bytes.remove_prefix(n);
            chunk_left_ -= n;
            if (chunk_left_ == 0) {
                state_ = State::ChunkEnd;
                crlf_left_ = 2;
            }
            return piece;
        }
        case State::ChunkEnd: {
            const auto n = std::min(crlf_left_, bytes.size());
            bytes.remove_prefix(n);
            crlf_left_ -= n;
            if (crlf_left_ == 0) state_ = State::ChunkSize;
            return {};
        }
        case State::Unframed: {
            const auto all = bytes;
            bytes = {};
            return all;
        }
        case State::Ended:
        case State::Failed:
            break;
    }
    bytes = {};
    return {};
}

bool SseResponseParser::take_line(std::string_view& body) {
    if (line_complete_) {
        line_.clear();
        line_complete_ = false;
    }
    const auto nl = body.find('\n');
    line_.append(body.substr(0, nl));
    if (nl == std::string_view::npos) {
        body = {};
        if (line_.size() > kMaxLine) fail("event line too long");
        return false;
    }
    body.remove_prefix(nl + 1);
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    line_complete_ = true;
    return true;
}

bool SseResponseParser::end_of_event() {
    const std::string_view line = line_;
    if (line.empty()) {
        const bool dispatch = has_data_;
        has_data_ = false;
        return dispatch;
    }
    if (line.front() == ':') {
        ++comments_;
        return false;
    }
    if (line.starts_with("data:")) {
        auto value = line.substr(5);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (has_data_) {
            data_ += '\n';
        } else {
            data_.clear();  // the previous event's data, kept until now for the caller's view
            has_data_ = true;
        }
        data_.append(value);
    }
    if (line.starts_with("id:")) {
        auto value = line.substr(3);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        id_.assign(value);
    }
    // "event:", "retry:": the benchmark identifies events by their data.
    return false;
}

}  // namespace bench
