#include "support/test_ca.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <stdexcept>

namespace ambient::testing {
namespace {

struct KeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertificateFree {
    void operator()(X509* certificate) const { X509_free(certificate); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Certificate = std::unique_ptr<X509, CertificateFree>;

void check(int ok, const char* what) {
    if (ok != 1) throw std::runtime_error(std::string("test CA: ") + what + " failed");
}

Key new_key() {
    Key key(EVP_EC_gen("P-256"));
    if (!key) throw std::runtime_error("test CA: EC key generation failed");
    return key;
}

bool is_address(const std::string& name) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, name.c_str(), buffer) == 1 || inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

// `issuer` null: self-signed.
void add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer != nullptr ? issuer : certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_nconf_nid(nullptr, &context, nid, value.c_str());
    if (extension == nullptr) throw std::runtime_error("test CA: extension " + value + " refused");
    const int ok = X509_add_ext(certificate, extension, -1);
    X509_EXTENSION_free(extension);
    check(ok, "adding an extension");
}

Certificate new_certificate(EVP_PKEY* key, const std::string& common_name) {
    static std::atomic<long> serial{1};
    Certificate certificate(X509_new());
    check(X509_set_version(certificate.get(), 2), "X509_set_version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), serial++), "setting the serial");
    X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 24 * 3600);
    check(X509_set_pubkey(certificate.get(), key), "X509_set_pubkey");
    check(X509_NAME_add_entry_by_txt(X509_get_subject_name(certificate.get()), "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0),
          "setting the subject");
    return certificate;
}

void write_pem(const std::filesystem::path& path, X509* certificate) {
    BIO* out = BIO_new_file(path.c_str(), "w");
    if (out == nullptr) throw std::runtime_error("test CA: cannot write " + path.string());
    const int ok = PEM_write_bio_X509(out, certificate);
    BIO_free(out);
    check(ok, "writing a certificate");
}

void write_pem(const std::filesystem::path& path, EVP_PKEY* key) {
    BIO* out = BIO_new_file(path.c_str(), "w");
    if (out == nullptr) throw std::runtime_error("test CA: cannot write " + path.string());
    const int ok = PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
    BIO_free(out);
    check(ok, "writing a key");
}

}  // namespace

struct TestCa::Impl {
    std::filesystem::path dir;
    std::filesystem::path certificate_file;
    Key key;
    Certificate certificate;
};

TestCa::TestCa(std::filesystem::path dir) : impl_(std::make_unique<Impl>()) {
    impl_->dir = std::move(dir);
    impl_->certificate_file = impl_->dir / "ca.pem";
    impl_->key = new_key();
    impl_->certificate = new_certificate(impl_->key.get(), "ambient test CA");
    X509* ca = impl_->certificate.get();
    check(X509_set_issuer_name(ca, X509_get_subject_name(ca)), "X509_set_issuer_name");
    add_extension(ca, nullptr, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(ca, nullptr, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(ca, nullptr, NID_subject_key_identifier, "hash");
    if (X509_sign(ca, impl_->key.get(), EVP_sha256()) == 0) throw std::runtime_error("test CA: signing failed");
    write_pem(impl_->certificate_file, ca);
}

TestCa::~TestCa() = default;

const std::filesystem::path& TestCa::certificate_file() const {
    return impl_->certificate_file;
}

TestCa::ServerCertificate TestCa::issue(const std::string& stem, const std::vector<std::string>& names) const {
    if (names.empty()) throw std::invalid_argument("test CA: a server certificate needs a name");
    auto key = new_key();
    auto certificate = new_certificate(key.get(), names.front());
    X509* ca = impl_->certificate.get();
    check(X509_set_issuer_name(certificate.get(), X509_get_subject_name(ca)), "X509_set_issuer_name");
    std::string alt_names;
    for (const auto& name : names) {
        alt_names += (alt_names.empty() ? "" : ",") + std::string(is_address(name) ? "IP:" : "DNS:") + name;
    }
    add_extension(certificate.get(), ca, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(certificate.get(), ca, NID_key_usage, "critical,digitalSignature");
    add_extension(certificate.get(), ca, NID_ext_key_usage, "serverAuth");
    add_extension(certificate.get(), ca, NID_subject_alt_name, alt_names);
    add_extension(certificate.get(), ca, NID_authority_key_identifier, "keyid:always");
    if (X509_sign(certificate.get(), impl_->key.get(), EVP_sha256()) == 0) {
        throw std::runtime_error("test CA: signing failed");
    }
    ServerCertificate files{impl_->dir / (stem + ".pem"), impl_->dir / (stem + "-key.pem")};
    write_pem(files.certificate_file, certificate.get());
    write_pem(files.key_file, key.get());
    return files;
}

}  // namespace ambient::testing
