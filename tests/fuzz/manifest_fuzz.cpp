// acpctl's YAML manifests (`apply -f`, `delete -f`). Whatever the file holds:
//   - parsing either gives checked documents or fails with CliError (exit 1), never another
//     exception;
//   - a secret ($VAR expanded in a Credential's token) never appears in an error message,
//     unless the file itself spells it out;
//   - every document has a kind, its fields are a JSON object the server can be sent, and
//     sorting them for apply and for delete keeps every document.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "cli/errors.hpp"
#include "cli/manifest.hpp"

namespace {

namespace manifest = ambient::cli::manifest;

constexpr const char* kSecret = "s3cret-Value-7f1e";

manifest::ParseOptions options(bool with_env) {
    manifest::ParseOptions o;
    if (with_env) {
        o.env = [](const std::string& name) -> std::optional<std::string> {
            if (name == "TOKEN" || name == "GH") return std::string(kSecret);
            return std::nullopt;
        };
    }
    return o;
}

void check(const std::string& text, bool with_env) {
    std::vector<manifest::Document> documents;
    try {
        documents = manifest::parse_manifest(text, "fuzz.yaml", options(with_env));
    } catch (const ambient::cli::CliError& e) {
        if (text.find(kSecret) == std::string::npos && std::string(e.what()).find(kSecret) != std::string::npos)
            std::abort();
        return;
    }
    for (const auto& doc : documents) {
        if (!doc.fields.is_object()) std::abort();
        manifest::to_wire(doc.fields).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (doc.label().empty() || doc.display().empty()) std::abort();
        if (!with_env && doc.token) std::abort();  // delete -f never reads secrets
    }
    auto apply = documents;
    manifest::sort_for_apply(apply);
    manifest::sort_for_delete(documents);
    if (apply.size() != documents.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    check(text, true);
    check(text, false);
    return 0;
}
