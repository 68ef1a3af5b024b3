#include "api/sse.hpp"

namespace ambient::api {

std::string sse_event(std::string_view id, std::string_view data, std::string_view event) {
    std::string out;
    out.reserve(data.size() + id.size() + 16);
    if (!id.empty()) {
        out += "id: ";
        out += id;
        out += '\n';
    }
    if (!event.empty()) {
        out += "event: ";
        out += event;
        out += '\n';
    }
    // A newline inside data would end the field: each line gets its own "data:".
    std::size_t start = 0;
    while (true) {
        const auto nl = data.find('\n', start);
        out += "data: ";
        out += data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        out += '\n';
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    out += '\n';
    return out;
}

http::Response sse_response(http::StreamProducer producer) {
    http::Response r;
    r.status = 200;
    r.headers = {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
    r.stream = std::move(producer);
    return r;
}

bool wants_event_stream(const http::Request& req) {
    const auto accept = req.header("Accept");
    return accept && accept->find("text/event-stream") != std::string_view::npos;
}

}  // namespace ambient::api
