#pragma once
// Throwaway certificates for tests that need TLS: a certificate authority made on the spot
// (an EC P-256 key, valid for a day) and server certificates it signs, written as PEM files
// into a directory the test owns. Nothing here is secret or meant to last.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ambient::testing {

class TestCa {
public:
    // Makes the CA and writes its certificate to `dir`/ca.pem.
    explicit TestCa(std::filesystem::path dir);
    ~TestCa();
    TestCa(const TestCa&) = delete;
    TestCa& operator=(const TestCa&) = delete;

    // What a client trusts to accept the certificates issued below.
    const std::filesystem::path& certificate_file() const;

    struct ServerCertificate {
        std::filesystem::path certificate_file;  // PEM
        std::filesystem::path key_file;          // PEM, unencrypted
    };
    // A server certificate valid for `names` (each a DNS name or an IP address literal, all
    // in subjectAltName), written to `dir`/<stem>.pem and `dir`/<stem>-key.pem.
    ServerCertificate issue(const std::string& stem, const std::vector<std::string>& names) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ambient::testing
