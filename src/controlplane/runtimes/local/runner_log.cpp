#include "controlplane/runtimes/local/runner_log.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <vector>

namespace ambient::controlplane {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kListening = "ambient-runner listening on ";

std::string read_range(const fs::path& path, std::uintmax_t from, std::size_t max) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    in.seekg(static_cast<std::streamoff>(from));
    std::string out(max, '\0');
    in.read(out.data(), static_cast<std::streamsize>(max));
    out.resize(static_cast<std::size_t>(in.gcount()));
    return out;
}

}  // namespace

std::optional<std::uint16_t> find_listening_port(const fs::path& log, std::uintmax_t from) {
    std::error_code ec;
    const auto size = fs::file_size(log, ec);
    if (ec) return std::nullopt;
    // A rotation since `from` means the line, if it came, is near the new start.
    if (size < from) from = 0;
    // The line comes first among a runner's output; 64 KiB is far more than enough to find it.
    const auto text = read_range(log, from, 64 * 1024);
    std::size_t pos = 0;
    while ((pos = text.find(kListening, pos)) != std::string::npos) {
        const auto eol = text.find('\n', pos);
        if (eol == std::string::npos) return std::nullopt;  // not complete yet
        const auto line = std::string_view(text).substr(pos, eol - pos);
        const auto space = line.find(' ', kListening.size());
        const auto hostport = line.substr(kListening.size(), space - kListening.size());
        const auto colon = hostport.rfind(':');
        unsigned port = 0;
        if (colon != std::string_view::npos) {
            const auto digits = hostport.substr(colon + 1);
            auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
            if (err == std::errc() && end == digits.data() + digits.size() && port > 0 && port < 65536)
                return static_cast<std::uint16_t>(port);
        }
        pos = eol;
    }
    return std::nullopt;
}

std::string last_log_lines(const fs::path& log, std::size_t max_lines, std::size_t max_bytes) {
    std::error_code ec;
    const auto size = fs::file_size(log, ec);
    if (ec || size == 0) return {};
    const auto from = size > max_bytes ? size - max_bytes : 0;
    auto text = read_range(log, from, max_bytes);
    // Only whole lines: drop a partial first one when we started mid-file.
    if (from > 0) {
        const auto nl = text.find('\n');
        text = nl == std::string::npos ? std::string() : text.substr(nl + 1);
    }
    std::vector<std::string_view> lines;
    std::string_view rest(text);
    while (!rest.empty()) {
        const auto nl = rest.find('\n');
        lines.push_back(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    std::string out;
    for (auto i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i)
        out.append(lines[i]).append(i + 1 < lines.size() ? "\n" : "");
    return out;
}

bool cap_log(const fs::path& log, std::uintmax_t cap) {
    std::error_code ec;
    const auto size = fs::file_size(log, ec);
    if (ec || size <= cap) return false;
    auto old = log;
    old += ".1";
    fs::copy_file(log, old, fs::copy_options::overwrite_existing, ec);
    ::truncate(log.c_str(), 0);
    return true;
}

}  // namespace ambient::controlplane
