#include "api/search/timestamp.hpp"

#include <cstdint>
#include <cstdio>

namespace ambient::search {
namespace {

class Cursor {
public:
    explicit Cursor(std::string_view s) : s_(s) {}
    bool done() const { return pos_ == s_.size(); }
    char peek() const { return done() ? '\0' : s_[pos_]; }
    bool take(char c) {
        if (peek() != c) return false;
        ++pos_;
        return true;
    }
    // Exactly `n` digits.
    std::optional<int> digits(int n) {
        int value = 0;
        for (int i = 0; i < n; ++i) {
            const char c = peek();
            if (c < '0' || c > '9') return std::nullopt;
            value = value * 10 + (c - '0');
            ++pos_;
        }
        return value;
    }
    char next() { return done() ? '\0' : s_[pos_++]; }

private:
    std::string_view s_;
    std::size_t pos_ = 0;
};

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

bool is_leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

}  // namespace

std::optional<std::string> normalize_timestamp(std::string_view text) {
    Cursor c(text);
    const auto year = c.digits(4);
    if (!year || !c.take('-')) return std::nullopt;
    const auto month = c.digits(2);
    if (!month || !c.take('-')) return std::nullopt;
    const auto day = c.digits(2);
    if (!day || *month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month)) return std::nullopt;

    int hour = 0, minute = 0, second = 0, offset_minutes = 0;
    long micros = 0;
    if (!c.done()) {
        const char sep = c.next();
        if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
        const auto h = c.digits(2);
        if (!h || !c.take(':')) return std::nullopt;
        const auto mi = c.digits(2);
        if (!mi) return std::nullopt;
        hour = *h;
        minute = *mi;
        if (c.take(':')) {
            const auto s = c.digits(2);
            if (!s) return std::nullopt;
            second = *s;
            if (c.take('.')) {
                int n = 0;
                while (c.peek() >= '0' && c.peek() <= '9') {
                    const int digit = c.next() - '0';
                    if (n < 6) micros = micros * 10 + digit;
                    ++n;
                }
                if (n == 0) return std::nullopt;
                for (; n < 6; ++n)
                    micros *= 10;
            }
        }
        if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
        if (second == 60) second = 59;  // a leap second sorts as the end of its minute
        if (c.take('Z') || c.take('z')) {
        } else if (c.peek() == '+' || c.peek() == '-') {
            const int sign = c.next() == '-' ? -1 : 1;
            const auto oh = c.digits(2);
            if (!oh) return std::nullopt;
            c.take(':');
            const auto om = c.digits(2);
            if (!om || *oh > 23 || *om > 59) return std::nullopt;
            offset_minutes = sign * (*oh * 60 + *om);
        }
    }
    if (!c.done()) return std::nullopt;

    std::int64_t seconds = days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day)) * 86400 +
                           hour * 3600 + minute * 60 + second - offset_minutes * 60;
    std::int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
    const std::int64_t rest = seconds - days * 86400;
    std::int64_t y = 0;
    unsigned m = 0, d = 0;
    civil_from_days(days, y, m, d);
    if (y < 0 || y > 9999) return std::nullopt;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06ldZ", static_cast<long long>(y), m, d,
                  static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                  static_cast<long long>(rest % 60), micros);
    return std::string(buf);
}

}  // namespace ambient::search
