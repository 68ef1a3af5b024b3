#pragma once
// POSTs JSON bodies to one URL over a keep-alive connection, one request at a time, from the
// calling thread (the publisher of the fan-out run and the writer of the idle-watcher run).
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http_url.hpp"

namespace bench {

struct PostResult {
    int status = 0;  // 0: no response (connection failed or timed out); `error` says why
    std::string body;
    std::string error;
};

class BlockingPoster {
public:
    // `headers`: "Name: value" lines sent with every request besides Content-Type: application/json.
    BlockingPoster(HttpUrl url, std::vector<std::string> headers,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));
    ~BlockingPoster();
    BlockingPoster(const BlockingPoster&) = delete;
    BlockingPoster& operator=(const BlockingPoster&) = delete;

    // Reconnects once when the kept-alive connection turns out closed.
    PostResult post(std::string_view body);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace bench
