#include "runner/token_source.hpp"

#include <fstream>
#include <sstream>

namespace ambient::runner {

TokenSource::TokenSource(std::filesystem::path file, std::string token, OnNewToken on_new_token)
    : file_(std::move(file)), token_(std::move(token)), on_new_token_(std::move(on_new_token)) {}

std::string TokenSource::current() const {
    std::string token;
    if (file_.empty()) {
        token = token_;
    } else {
        std::ifstream in(file_, std::ios::binary);
        if (!in) throw TokenUnavailable("cannot read the token file " + file_.string());
        std::ostringstream content;
        content << in.rdbuf();
        token = content.str();
    }
    const auto first = token.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
        throw TokenUnavailable(file_.empty() ? std::string("BOT_TOKEN is empty")
                                             : "the token file " + file_.string() + " is empty");
    }
    const auto last = token.find_last_not_of(" \t\r\n");
    token = token.substr(first, last - first + 1);
    if (on_new_token_) {
        std::lock_guard lock(mutex_);
        if (token != last_seen_) {
            last_seen_ = token;
            on_new_token_(token);
        }
    }
    return token;
}

}  // namespace ambient::runner
