// Only the API server may call the runner's AG-UI server: a proxy token it signed for this
// session, with audience ambient-runner-proxy and at most 60 s of life, verified against its
// JWKS (fetched lazily, refetched at a bounded rate on an unknown kid).
#include "runner/agui/proxy_auth.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "support/proxy_token_keys.hpp"

namespace ambient::runner::agui {
namespace {

using nlohmann::json;
using runner::testing::jwks_of;
using runner::testing::ProxyTokenKeys;
using namespace std::chrono_literals;

constexpr const char* kSession = "2abcdefghijklmnopqrstuvwxyz";

struct Case {
    const char* name;
    // The Authorization header, from the API server's key and a stranger's key with the same kid.
    std::function<std::string(const ProxyTokenKeys& server, const ProxyTokenKeys& stranger)> header;
    bool accepted;
};

json with(json claims, const char* name, json value) {
    claims[name] = std::move(value);
    return claims;
}

json without(json claims, const char* name) {
    claims.erase(name);
    return claims;
}

std::string bearer(const std::string& token) {
    return "Bearer " + token;
}

const std::vector<Case>& cases() {
    static const auto base = [] { return ProxyTokenKeys::claims(kSession); };
    static const std::vector<Case> all = {
        {"Valid", [](auto& s, auto&) { return bearer(s.sign(base())); }, true},
        {"ValidLowerCaseScheme", [](auto& s, auto&) { return "bearer " + s.sign(base()); }, true},
        {"Missing", [](auto&, auto&) { return std::string(); }, false},
        {"NotBearer", [](auto& s, auto&) { return "Basic " + s.sign(base()); }, false},
        {"Garbage", [](auto&, auto&) { return bearer("not.a.jwt"); }, false},
        {"ForgedSignature", [](auto&, auto& x) { return bearer(x.sign(base())); }, false},
        {"RunnerTokenAudience", [](auto& s, auto&) { return bearer(s.sign(with(base(), "aud", "ambient-runner"))); },
         false},
        {"NoAudience", [](auto& s, auto&) { return bearer(s.sign(without(base(), "aud"))); }, false},
        {"OtherIssuer", [](auto& s, auto&) { return bearer(s.sign(with(base(), "iss", "someone-else"))); }, false},
        {"OtherSession",
         [](auto& s, auto&) { return bearer(s.sign(with(base(), "session_id", "2zzzzzzzzzzzzzzzzzzzzzzzzzz"))); },
         false},
        {"NoSession", [](auto& s, auto&) { return bearer(s.sign(without(base(), "session_id"))); }, false},
        {"Expired",
         [](auto& s, auto&) {
             auto c = base();
             c["iat"] = c["iat"].get<std::int64_t>() - 120;
             c["exp"] = c["iat"].get<std::int64_t>() + 60;
             return bearer(s.sign(c));
         },
         false},
        {"TooLongLived",
         [](auto& s, auto&) { return bearer(s.sign(with(base(), "exp", base()["iat"].get<std::int64_t>() + 61))); },
         false},
        {"RunnerTokenLifetime",
         [](auto& s, auto&) { return bearer(s.sign(with(base(), "exp", base()["iat"].get<std::int64_t>() + 900))); },
         false},
        {"NoIssuedAt", [](auto& s, auto&) { return bearer(s.sign(without(base(), "iat"))); }, false},
        {"IssuedInTheFuture",
         [](auto& s, auto&) {
             auto c = base();
             c["iat"] = c["iat"].get<std::int64_t>() + 300;
             c["exp"] = c["iat"].get<std::int64_t>() + 60;
             return bearer(s.sign(c));
         },
         false},
        {"AlgNone",
         [](auto& s, auto&) {
             auto token = s.sign(base());
             // {"alg":"none","typ":"JWT","kid":"api-key"} with the same claims and no signature.
             const auto dot = token.find('.');
             const auto second = token.find('.', dot + 1);
             return bearer("eyJhbGciOiJub25lIiwidHlwIjoiSldUIiwia2lkIjoiYXBpLWtleSJ9" +
                           token.substr(dot, second - dot) + ".");
         },
         false},
    };
    return all;
}

class ProxyAuthCases : public ::testing::TestWithParam<Case> {};

TEST_P(ProxyAuthCases, AcceptsOnlyTheApiServersTokenForThisSession) {
    const ProxyTokenKeys server("api-key");
    const ProxyTokenKeys stranger("api-key");  // same kid, another key: a forgery
    ProxyAuth auth(kSession, [&] { return jwks_of({&server}); });
    const auto header = GetParam().header(server, stranger);
    if (GetParam().accepted) {
        EXPECT_NO_THROW(auth.verify(header));
    } else {
        try {
            auth.verify(header);
            ADD_FAILURE() << "accepted";
        } catch (const ProxyAuthError& e) {
            // The reason never carries the token.
            const auto space = header.find(' ');
            if (space != std::string::npos && header.size() > space + 20) {
                EXPECT_EQ(std::string(e.what()).find(header.substr(space + 1)), std::string::npos);
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Tokens, ProxyAuthCases, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ProxyAuth, FetchesTheKeysOnceAndKeepsThem) {
    const ProxyTokenKeys server("k1");
    int fetches = 0;
    ProxyAuth auth(kSession, [&] {
        ++fetches;
        return jwks_of({&server});
    });
    EXPECT_EQ(fetches, 0);  // lazily
    for (int i = 0; i < 5; ++i)
        auth.verify(bearer(server.sign(ProxyTokenKeys::claims(kSession))));
    EXPECT_EQ(fetches, 1);
}

TEST(ProxyAuth, AnUnknownKidRefetchesAtABoundedRate) {
    const ProxyTokenKeys old_key("k1");
    const ProxyTokenKeys new_key("k2");
    const ProxyTokenKeys bogus("k3");
    int fetches = 0;
    bool rotated = false;
    auto now = std::chrono::steady_clock::time_point{} + 1h;
    ProxyAuth auth(
        kSession,
        [&] {
            ++fetches;
            return rotated ? jwks_of({&old_key, &new_key}) : jwks_of({&old_key});
        },
        [&] { return now; });
    auth.verify(bearer(old_key.sign(ProxyTokenKeys::claims(kSession))));
    EXPECT_EQ(fetches, 1);

    // The API server made a new key: the token naming it refetches, then verifies.
    rotated = true;
    now += 11s;
    EXPECT_NO_THROW(auth.verify(bearer(new_key.sign(ProxyTokenKeys::claims(kSession)))));
    EXPECT_EQ(fetches, 2);

    // Unknown kids right after: refused without a fetch each.
    for (int i = 0; i < 5; ++i)
        EXPECT_THROW(auth.verify(bearer(bogus.sign(ProxyTokenKeys::claims(kSession)))), ProxyAuthError);
    EXPECT_EQ(fetches, 2);
    now += 11s;
    EXPECT_THROW(auth.verify(bearer(bogus.sign(ProxyTokenKeys::claims(kSession)))), ProxyAuthError);
    EXPECT_EQ(fetches, 3);
    // The keys held still verify.
    EXPECT_NO_THROW(auth.verify(bearer(new_key.sign(ProxyTokenKeys::claims(kSession)))));
    EXPECT_EQ(fetches, 3);
}

TEST(ProxyAuth, AFailedFetchRefusesAndIsRetriedLater) {
    const ProxyTokenKeys server("k1");
    int fetches = 0;
    bool up = false;
    auto now = std::chrono::steady_clock::time_point{} + 1h;
    ProxyAuth auth(
        kSession,
        [&]() -> std::string {
            ++fetches;
            if (!up) throw std::runtime_error("connection refused");
            return jwks_of({&server});
        },
        [&] { return now; });
    const auto header = bearer(server.sign(ProxyTokenKeys::claims(kSession)));
    EXPECT_THROW(auth.verify(header), ProxyAuthError);
    EXPECT_THROW(auth.verify(header), ProxyAuthError);
    EXPECT_EQ(fetches, 1);
    up = true;
    now += 2s;
    EXPECT_NO_THROW(auth.verify(header));
    EXPECT_EQ(fetches, 2);
}

}  // namespace
}  // namespace ambient::runner::agui
