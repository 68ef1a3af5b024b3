#include "api/store/postgres/pg_connect.hpp"

#include <algorithm>

namespace ambient::store::postgres {

PGconn* connect_to(const std::string& url, std::chrono::milliseconds connect_timeout, const char* application_name) {
    const auto seconds = std::max<long long>(2, (connect_timeout.count() + 999) / 1000);
    const std::string timeout = std::to_string(seconds);
    // `dbname` is expanded last, so that what the URL says wins.
    const char* const keys[] = {"connect_timeout",  "keepalives",       "keepalives_idle", "keepalives_interval",
                                "keepalives_count", "application_name", "dbname",          nullptr};
    const char* const values[] = {timeout.c_str(), "1", "5", "2", "3", application_name, url.c_str(), nullptr};
    return PQconnectdbParams(keys, values, /*expand_dbname=*/1);
}

}  // namespace ambient::store::postgres
