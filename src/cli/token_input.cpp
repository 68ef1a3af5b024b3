#include "cli/token_input.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/errors.hpp"

namespace ambient::cli {
namespace {

// A credential token is a line of text; a megabyte is far past any real one (a kubeconfig
// included) and keeps a mistaken `--token-file /dev/zero` from eating the memory.
constexpr std::size_t kMaxSecretBytes = 1 << 20;

std::string read_limited(std::istream& in, const std::string& what) {
    std::string text;
    char buffer[8192];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > kMaxSecretBytes) throw usage_error(what + " is larger than 1 MiB");
    }
    if (in.bad()) throw usage_error("read " + what + ": " + std::strerror(errno));
    return text;
}

}  // namespace

std::string read_secret(const std::string& path) {
    std::string text;
    if (path == "-") {
        text = read_limited(std::cin, "the token on stdin");
    } else {
        std::ifstream file(path, std::ios::binary);
        if (!file) throw usage_error("read token file \"" + path + "\": " + std::strerror(errno));
        text = read_limited(file, "token file \"" + path + "\"");
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text;
}

TokenChoice choose_token(const std::string& token_file, bool token_file_given, const std::string& token_flag,
                         bool token_flag_given) {
    if (token_file_given && token_flag_given) throw usage_error("give either --token-file or --token, not both");
    if (token_file_given) return {true, read_secret(token_file)};
    if (token_flag_given) {
        std::cerr << "Warning: --token puts the secret on the command line, where other users of this machine can "
                     "see it; use --token-file FILE or --token-file - (stdin)\n";
        return {true, token_flag};
    }
    return {};
}

}  // namespace ambient::cli
