#pragma once
// Request bodies turned into rows. Create bodies are strict (upstream's generated models):
// unknown keys, a client-chosen id, a missing required key or a wrong type are errors.
// Patch bodies are lenient: unknown keys and nulls are ignored, but a wrong type is still
// an error because guessing would store something the client did not mean.
#include <stdexcept>
#include <string_view>

#include "api/model/kind.hpp"
#include "api/model/row.hpp"

namespace ambient::model {

class BodyError : public std::runtime_error {
public:
    enum class Kind { Malformed, Invalid };  // unparseable/mistyped (17) vs failed a rule (8)
    BodyError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    Kind kind() const { return kind_; }

private:
    Kind kind_;
};

// Limits that keep hostile bodies cheap: nesting depth of the JSON document.
inline constexpr int kMaxJsonDepth = 64;

Row parse_create(const KindSchema& schema, std::string_view body);
Row parse_patch(const KindSchema& schema, std::string_view body);

}  // namespace ambient::model
