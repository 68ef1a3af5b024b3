#pragma once
// Text-format conversions between SqlValue and libpq: parameters are sent as text with
// no type (the server infers it from the statement) and cells come back as text that is
// converted by the column's type OID.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/store/value.hpp"

namespace ambient::store::postgres {

// Type OIDs from PostgreSQL's pg_type catalogue (stable across releases).
inline constexpr unsigned kBoolOid = 16;
inline constexpr unsigned kInt8Oid = 20;
inline constexpr unsigned kInt2Oid = 21;
inline constexpr unsigned kInt4Oid = 23;
inline constexpr unsigned kFloat4Oid = 700;
inline constexpr unsigned kFloat8Oid = 701;
inline constexpr unsigned kNumericOid = 1700;
inline constexpr unsigned kTimestampOid = 1114;
inline constexpr unsigned kTimestampTzOid = 1184;

// The text sent for a parameter; nullopt for NULL.
std::optional<std::string> param_text(const SqlValue& value);

// A statement's parameters as libpq takes them: texts, and NULL for SQL NULL.
class ParamTexts {
public:
    explicit ParamTexts(const std::vector<SqlValue>& params);
    // Pointers into this object, valid while it lives unchanged.
    std::vector<const char*> values() const;
    std::size_t size() const { return texts_.size(); }

private:
    std::vector<std::optional<std::string>> texts_;
};

// The value of a non-NULL cell of type `oid` printed as `text`.
SqlValue cell_value(unsigned oid, std::string_view text);

// "2026-11-28 14:55:00.1234+00" → "2026-11-28T14:55:00.123400Z": the fraction is always
// six digits. Text that is not a plain UTC timestamp (infinity, BC dates, a non-zero
// offset) comes back with only the separator changed, or unchanged.
std::string normalise_timestamp(std::string_view text);

}  // namespace ambient::store::postgres
