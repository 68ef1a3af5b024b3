#include "api/store/postgres/pg_values.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "api/store/postgres/pg_url.hpp"

namespace ambient::store::postgres {
namespace {

TEST(NormaliseTimestamp, PadsTheFractionToMicroseconds) {
    EXPECT_EQ(normalise_timestamp("2026-11-28 14:55:00.123456+00"), "2026-11-28T14:55:00.123456Z");
    EXPECT_EQ(normalise_timestamp("2026-11-28 14:55:00.1+00"), "2026-11-28T14:55:00.100000Z");
    EXPECT_EQ(normalise_timestamp("2026-11-28 14:55:00+00"), "2026-11-28T14:55:00.000000Z");
    EXPECT_EQ(normalise_timestamp("2026-11-28 14:55:00"), "2026-11-28T14:55:00.000000Z");
}

TEST(NormaliseTimestamp, KeepsWhatItCannotCanonicalise) {
    EXPECT_EQ(normalise_timestamp("infinity"), "infinity");
    EXPECT_EQ(normalise_timestamp("2026-11-28 14:55:00+02"), "2026-11-28T14:55:00+02");
    EXPECT_EQ(normalise_timestamp("0044-03-15 12:00:00+00 BC"), "0044-03-15T12:00:00+00 BC");
}

TEST(ParamText, SpellsValuesAsPostgresReadsThem) {
    EXPECT_FALSE(param_text(SqlValue{}).has_value());
    EXPECT_EQ(*param_text(std::int64_t{-42}), "-42");
    EXPECT_EQ(*param_text(true), "true");
    EXPECT_EQ(*param_text(false), "false");
    EXPECT_EQ(std::stod(*param_text(0.1)), 0.1);
    EXPECT_EQ(*param_text(std::numeric_limits<double>::infinity()), "Infinity");
    EXPECT_EQ(*param_text(std::nan("")), "NaN");
    EXPECT_EQ(*param_text(std::string("x?")), "x?");
}

TEST(CellValue, ConvertsByTypeOid) {
    EXPECT_EQ(std::get<bool>(cell_value(kBoolOid, "t")), true);
    EXPECT_EQ(std::get<bool>(cell_value(kBoolOid, "f")), false);
    EXPECT_EQ(std::get<std::int64_t>(cell_value(kInt8Oid, "-9223372036854775808")),
              std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(std::get<std::int64_t>(cell_value(kInt2Oid, "7")), 7);
    EXPECT_EQ(std::get<double>(cell_value(kNumericOid, "1.5")), 1.5);
    EXPECT_TRUE(std::isinf(std::get<double>(cell_value(kFloat8Oid, "Infinity"))));
    EXPECT_EQ(std::get<std::string>(cell_value(kTimestampTzOid, "2026-11-28 14:55:00.5+00")),
              "2026-11-28T14:55:00.500000Z");
    EXPECT_EQ(std::get<std::string>(cell_value(25 /* text */, "hello")), "hello");
}

TEST(RedactPassword, RemovesPasswordsFromUrlsAndConninfo) {
    EXPECT_EQ(redact_password("postgresql://user:secret@db:5432/app?sslmode=require"),
              "postgresql://user@db:5432/app?sslmode=require");
    EXPECT_EQ(redact_password("postgres://user:p%40ss@db/app?password=x&sslmode=disable"),
              "postgres://user@db/app?sslmode=disable");
    EXPECT_EQ(redact_password("postgresql://db/app?password=x"), "postgresql://db/app");
    EXPECT_EQ(redact_password("postgresql://user@db/app"), "postgresql://user@db/app");
    EXPECT_EQ(redact_password("host=db password='se cret' user=u"), "host=db user=u");
}

}  // namespace
}  // namespace ambient::store::postgres
