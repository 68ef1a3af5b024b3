#include "controlplane/service_token.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ambient::controlplane {

std::string ServiceToken::get() const {
    if (file_.empty()) return token_;
    std::ifstream in(file_);
    if (!in) throw std::runtime_error("cannot read " + file_.string());
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string token = buffer.str();
    const auto first = token.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) throw std::runtime_error(file_.string() + " is empty");
    token = token.substr(first, token.find_last_not_of(" \t\r\n") - first + 1);
    return token;
}

}  // namespace ambient::controlplane
