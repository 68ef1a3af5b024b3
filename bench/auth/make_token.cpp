// bench-auth-token: a throwaway ES256 signing key for bench/auth/run.
//
//   bench-auth-token JWKS_OUT USERNAME [TTL_SECONDS]
//
// Generates a P-256 key, writes its public JWKS (one key, kid "bench") to JWKS_OUT, and
// prints to stdout a user JWT signed with it: username and preferred_username USERNAME,
// name and email derived from it, no iss/aud (the bench server checks neither), exp now +
// TTL_SECONDS (default 3600). The private key lives only in this process.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "common/jwt/jwt.hpp"

int main(int argc, char** argv) {
    if (argc < 3 || argc > 4) {
        std::cerr << "usage: " << argv[0] << " JWKS_OUT USERNAME [TTL_SECONDS]\n";
        return 2;
    }
    const std::string jwks_path = argv[1];
    const std::string username = argv[2];
    const long ttl = argc == 4 ? std::strtol(argv[3], nullptr, 10) : 3600;
    if (username.empty() || ttl <= 0) {
        std::cerr << "USERNAME must not be empty and TTL_SECONDS must be positive\n";
        return 2;
    }
    try {
        using ambient::jwt::Algorithm;
        const auto key = ambient::jwt::generate_key(Algorithm::ES256);
        const std::string kid = "bench";
        std::ofstream out(jwks_path, std::ios::trunc);
        out << nlohmann::json{{"keys", {ambient::jwt::public_jwk(key.get(), Algorithm::ES256, kid)}}}.dump() << '\n';
        out.close();
        if (!out) {
            std::cerr << "cannot write " << jwks_path << "\n";
            return 1;
        }
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        const nlohmann::json claims = {{"username", username},
                                       {"preferred_username", username},
                                       {"sub", "bench-" + username},
                                       {"name", "Bench User " + username},
                                       {"email", username + "@bench.invalid"},
                                       {"iat", now},
                                       {"exp", now + ttl}};
        std::cout << ambient::jwt::sign(claims, key.get(), Algorithm::ES256, kid) << '\n';
    } catch (const std::exception& e) {
        std::cerr << "bench-auth-token: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
