#include "hold_run.hpp"

#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

namespace bench {

int run_hold(const HoldOptions& options) {
    SseConnections streams(options.streams, [](std::size_t, std::string_view, Clock::time_point) {});
    const auto opened = streams.open();
    std::printf("%s: %zu streams open, %zu failed, in %.1f s; holding them %lld s\n", options.label.c_str(),
                opened.open, opened.failed, opened.seconds, static_cast<long long>(options.hold.count()));
    std::fflush(stdout);

    const auto until = Clock::now() + options.hold;
    while (Clock::now() < until && streams.open_count() > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    streams.stop();

    nlohmann::json result = {{"label", options.label},
                             {"requested", options.streams.count},
                             {"opened", opened.open},
                             {"open_failures", opened.failed},
                             {"open_failure_reasons", opened.reasons},
                             {"dropped", streams.dropped()},
                             {"drop_reasons", streams.drop_reasons()},
                             {"events", streams.events()},
                             {"pings", streams.comments()}};
    std::printf("%s: %zu dropped by the server, %llu events, %llu pings\n", options.label.c_str(), streams.dropped(),
                static_cast<unsigned long long>(streams.events()), static_cast<unsigned long long>(streams.comments()));
    std::printf("RESULT %s\n", result.dump().c_str());
    const bool whole = opened.open == options.streams.count && streams.dropped() == 0;
    return whole ? 0 : 1;
}

}  // namespace bench
