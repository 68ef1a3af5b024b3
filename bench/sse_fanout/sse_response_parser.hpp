#pragma once
// The client side of one SSE response, parsed incrementally from the bytes of the socket:
// the HTTP/1.1 status and header block, the chunked (or unframed) body, and the event
// stream inside it. Only what the benchmark needs is kept: the status and, per event, its
// "data" (several data lines joined by '\n'). Every byte is looked at once; nothing is
// allocated per event once the buffers have grown to the largest event.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

class SseResponseParser {
public:
    enum class State { Head, ChunkSize, ChunkData, ChunkEnd, Unframed, Ended, Failed };

    // Consumes `bytes`; calls on_event(std::string_view data) for each complete event.
    template <typename OnEvent>
    void feed(std::string_view bytes, OnEvent&& on_event) {
        while (!bytes.empty() && state_ != State::Failed && state_ != State::Ended) {
            std::string_view body = next_body_bytes(bytes);
            while (!body.empty()) {
                if (take_line(body) && end_of_event()) on_event(std::string_view(data_));
            }
        }
    }

    State state() const { return state_; }
    bool head_complete() const { return state_ != State::Head && status_ != 0; }
    int status() const { return status_; }
    // Why the response could not be parsed (State::Failed).
    const std::string& error() const { return error_; }
    // Comment lines (": ping") seen so far.
    std::uint64_t comments() const { return comments_; }
    // The value of the last "id:" line seen (in on_event: the event's id, when it has one).
    const std::string& last_id() const { return id_; }

private:
    // Advances through framing; returns the next piece of event-stream bytes (possibly empty).
    std::string_view next_body_bytes(std::string_view& bytes);
    void parse_head();
    void fail(std::string why);
    // Moves bytes into the current line; true once a whole line is in `line_`.
    bool take_line(std::string_view& body);
    // Applies the line in `line_`; true when it was the blank line that ends an event with data.
    bool end_of_event();

    State state_ = State::Head;
    int status_ = 0;
    std::string head_;
    std::string size_line_;
    std::uint64_t chunk_left_ = 0;
    std::size_t crlf_left_ = 0;
    std::string line_;
    bool line_complete_ = false;
    std::string data_;
    bool has_data_ = false;
    std::uint64_t comments_ = 0;
    std::string id_;
    std::string error_;
};

}  // namespace bench
