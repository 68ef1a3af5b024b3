#pragma once
// Connection URLs may carry a password; anything that echoes one uses this first.
#include <string>
#include <string_view>

namespace ambient::store::postgres {

// `url` without its password: "postgresql://user:secret@host/db?password=x&sslmode=y"
// becomes "postgresql://user@host/db?sslmode=y". Key/value conninfo strings get their
// password=… pair removed.
std::string redact_password(std::string_view url);

}  // namespace ambient::store::postgres
