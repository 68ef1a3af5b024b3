// `acpctl apply -f FILE|DIR|-` and `acpctl delete -f …`: the manifests are read and checked
// whole before the server is asked anything (manifest.hpp), then applied in dependency order
// (manifest_sync.hpp). One line per object: `<kind>/<name> created|configured|unchanged`, or
// `deleted|not found`; `-o json` prints the same as an array of {kind, name, status}.
#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/manifest.hpp"
#include "cli/manifest_delete.hpp"
#include "cli/manifest_sync.hpp"
#include "cli/output.hpp"

namespace ambient::cli {
namespace {

using manifest::Document;
using manifest::Status;

struct ApplyOptions {
    std::vector<std::string> files;
    std::string project;
    std::string output;
    bool dry_run = false;
};

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

// The outcome lines, printed as they happen (text) or at the end (JSON).
class Report {
public:
    Report(bool json, bool dry_run) : json_(json), dry_run_(dry_run) {}

    // `kind` as in manifests ("Agent"); output lines start with it in lower case.
    void add(const std::string& kind, const std::string& name, Status status) {
        const auto word = manifest::status_word(status);
        if (!json_) {
            std::cout << lower(kind) << "/" << name << " " << word << (dry_run_ ? " (dry run)" : "") << "\n"
                      << std::flush;
            return;
        }
        Json entry = {{"kind", kind}, {"name", name}, {"status", word}};
        if (dry_run_) entry["dry_run"] = true;
        entries_.push_back(std::move(entry));
    }

    void finish() const {
        if (json_) print_json(std::cout, entries_);
    }

private:
    bool json_;
    bool dry_run_;
    Json entries_ = Json::array();
};

bool wants_json(const std::string& output) {
    if (output.empty()) return false;
    if (output == "json") return true;
    throw usage_error("invalid output format \"" + output + "\" (apply prints text, or json with -o json)");
}

// A dry run needs no login: without one it only lists the documents, as upstream's did.
bool logged_in(Context& ctx) {
    try {
        ctx.token();
        return true;
    } catch (const CliError& e) {
        if (e.exit_code() == kExitForbidden) return false;
        throw;
    }
}

void list_documents(const std::vector<Document>& documents, const std::string& verb, bool json) {
    if (json) {
        Json entries = Json::array();
        for (const auto& doc : documents) {
            entries.push_back(
                {{"kind", manifest::kind_name(doc.kind)}, {"name", doc.object_name()}, {"status", "dry-run"}});
        }
        print_json(std::cout, entries);
        return;
    }
    std::cout << "dry-run: would " << verb << " (not logged in, so the server was not asked):\n";
    for (const auto& doc : documents)
        std::cout << "  " << doc.display() << "\n";
}

// Runs one document's step; a failure names the document before the server's error line.
template <typename Step>
auto for_document(const std::string& verb, const Document& doc, Step&& step) {
    try {
        return step();
    } catch (const CliError& e) {
        throw CliError(verb + " " + doc.label() + ": " + e.what(), e.exit_code());
    }
}

// `<agent>#<n>`: seeds have no name of their own, so they are named by position.
std::string seed_name(const Document& agent, std::size_t index) {
    return agent.name + "#" + std::to_string(index + 1);
}

void run_apply(Context& ctx, const ApplyOptions& options) {
    const bool json = wants_json(options.output);
    const manifest::ParseOptions parse{.verb = "apply", .env = manifest::process_environment()};
    const auto documents = manifest::read_manifests(options.files, {options.project, ctx.project()}, parse, std::cin);
    if (options.dry_run && !logged_in(ctx)) return list_documents(documents, "apply", json);

    manifest::Sync sync(ctx.api(), options.dry_run);
    Report report(json, options.dry_run);
    for (const auto& doc : documents) {
        const auto status = for_document("apply", doc, [&] { return sync.apply(doc); });
        report.add(manifest::kind_name(doc.kind), doc.object_name(), status);
    }
    // Seeds go last: they are messages to agents, not part of what anything else refers to.
    for (const auto& doc : documents) {
        if (doc.inbox.empty()) continue;
        const auto statuses = for_document("apply", doc, [&] { return sync.seed_inbox(doc); });
        for (std::size_t i = 0; i < statuses.size(); ++i)
            report.add("InboxMessage", seed_name(doc, i), statuses[i]);
    }
    report.finish();
}

}  // namespace

void register_apply(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<ApplyOptions>();
    auto* apply = app.add_subcommand(
        "apply",
        "Create or update what manifests describe (kinds Project, ProjectSettings, Agent, Credential, RoleBinding, "
        "Session); re-applying changes only what differs");
    apply->add_option("-f,--filename", options->files, "A manifest, a directory of *.yaml/*.yml, or - for stdin")
        ->required()
        ->allow_extra_args(false);
    apply->add_option("--project", options->project,
                      "Project of documents that name none (default: the manifest's Project, else the current one)");
    apply->add_flag("--dry-run", options->dry_run, "Only read the server and print what would change");
    apply->add_option("-o,--output", options->output, "Output format: json");
    apply->callback([&ctx, options] { run_apply(ctx, *options); });
}

void delete_from_manifests(Context& ctx, const std::vector<std::string>& files, const std::string& project,
                           bool dry_run) {
    // Secrets are not expanded: deleting needs no token, so no variable has to be set.
    const manifest::ParseOptions parse{.verb = "delete", .env = std::nullopt};
    auto documents = manifest::read_manifests(files, {project, ctx.project()}, parse, std::cin);
    manifest::sort_for_delete(documents);
    if (dry_run && !logged_in(ctx)) return list_documents(documents, "delete", false);

    manifest::Sync sync(ctx.api(), dry_run);
    Report report(false, dry_run);
    for (const auto& doc : documents) {
        const auto status = for_document("delete", doc, [&] { return sync.remove(doc); });
        report.add(manifest::kind_name(doc.kind), doc.object_name(), status);
    }
}

}  // namespace ambient::cli
