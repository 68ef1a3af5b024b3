#include "runner/repositories.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <sstream>

#include "runner/agents/child_process.hpp"

namespace ambient::runner {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxUrlLength = 4096;
constexpr std::size_t kMaxReasonLength = 600;
constexpr std::size_t kMaxCapturedOutput = 64 * 1024;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

struct ParsedUrl {
    std::string scheme;  // empty for the scp-like form
    std::string userinfo;
    bool has_userinfo = false;
    std::string host;
    std::string path;
};

// Splits a URL in the forms git understands and the runner accepts; nullopt when it is none.
std::optional<ParsedUrl> parse_url(const std::string& url) {
    ParsedUrl p;
    const auto sep = url.find("://");
    if (sep != std::string::npos) {
        p.scheme = lower(url.substr(0, sep));
        const auto rest = url.substr(sep + 3);
        const auto slash = rest.find('/');
        auto authority = rest.substr(0, slash);
        p.path = slash == std::string::npos ? "" : rest.substr(slash);
        if (const auto at = authority.rfind('@'); at != std::string::npos) {
            p.has_userinfo = true;
            p.userinfo = authority.substr(0, at);
            authority = authority.substr(at + 1);
        }
        p.host = authority;
        return p;
    }
    // scp-like: [user@]host:path — a ':' before any '/', else it is a local path.
    const auto colon = url.find(':');
    if (colon == std::string::npos || colon == 0 || url.substr(0, colon).find('/') != std::string::npos)
        return std::nullopt;
    auto authority = url.substr(0, colon);
    if (const auto at = authority.rfind('@'); at != std::string::npos) {
        p.has_userinfo = true;
        p.userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
    }
    p.host = authority;
    p.path = url.substr(colon + 1);
    return p;
}

std::string reason_from_git(const std::string& err, int status) {
    std::vector<std::string> picked, all;
    std::istringstream lines(err);
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line.starts_with("Cloning into")) continue;
        all.push_back(line);
        if (line.starts_with("fatal:") || line.starts_with("error:") || line.starts_with("remote:"))
            picked.push_back(line);
    }
    auto& use = picked.empty() ? all : picked;
    std::string out;
    for (const auto& l : use)
        out += (out.empty() ? "" : "; ") + l;
    if (out.empty()) out = "git exited with status " + std::to_string(status);
    if (out.size() > kMaxReasonLength) out = out.substr(0, kMaxReasonLength) + "…";
    return out;
}

struct GitResult {
    int status = -1;
    std::string out;
    std::string err;
};

class Git {
public:
    explicit Git(const RepositoryOptions& options) : options_(options) {
        // Variables of the runner's own that would redirect git (GIT_DIR, GIT_CONFIG_*…) go.
        env_ = inherited_environment({"SSH_ASKPASS"}, {"GIT_"});
        for (const auto& [name, value] : options.git_environment)
            env_.push_back(name + "=" + value);
        env_.push_back("GIT_TERMINAL_PROMPT=0");
        env_.push_back("GIT_ALLOW_PROTOCOL=https:http:ssh:file");
        env_.push_back("GIT_SSH_COMMAND=ssh -o BatchMode=yes");
        env_.push_back("LC_ALL=C");
    }

    // Runs git with `args` in `cwd`; throws RepositoryError (naming `repository`) when it
    // cannot be started or outlives the timeout.
    GitResult run(const std::vector<std::string>& args, const fs::path& cwd, const std::string& repository) const {
        SpawnOptions spawn;
        spawn.argv = {"git"};
        spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
        spawn.env = env_;
        spawn.cwd = cwd;
        GitResult result;
        try {
            ChildProcess child(spawn);
            child.close_stdin();
            const auto deadline = Clock::now() + options_.git_timeout;
            while (!child.output_ended()) {
                if (Clock::now() >= deadline) {
                    child.terminate(std::chrono::milliseconds(1000));
                    throw RepositoryError(repository, "cannot clone " + repository + ": git timed out after " +
                                                          std::to_string(options_.git_timeout.count()) + " s");
                }
                auto chunk = child.read(std::chrono::milliseconds(100));
                if (!chunk || chunk->eof) continue;
                auto& sink = chunk->stream == ChildProcess::Stream::Stdout ? result.out : result.err;
                if (sink.size() < kMaxCapturedOutput) sink += chunk->data;
            }
            const auto left = deadline - Clock::now();
            const auto code = child.wait(
                std::max(std::chrono::duration_cast<std::chrono::milliseconds>(left), std::chrono::milliseconds(100)));
            result.status = code ? *code : child.terminate(std::chrono::milliseconds(1000));
        } catch (const SpawnError& e) {
            throw RepositoryError(repository, "cannot clone " + repository + ": " + e.what());
        }
        return result;
    }

    // Like run(), and a non-zero exit is a RepositoryError "<what> <repository>: <git's reason>".
    GitResult check(const std::vector<std::string>& args, const fs::path& cwd, const std::string& repository,
                    const std::string& what) const {
        auto r = run(args, cwd, repository);
        if (r.status != 0)
            throw RepositoryError(repository, what + " " + repository + ": " + reason_from_git(r.err, r.status));
        return r;
    }

private:
    const RepositoryOptions& options_;
    std::vector<std::string> env_;
};

std::string trimmed(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.pop_back();
    return s;
}

void configure(const Git& git, const fs::path& dir, const RepositoryOptions& options, const std::string& repository) {
    git.check({"config", "user.name", options.user_name}, dir, repository, "cannot configure");
    git.check({"config", "user.email", options.user_email}, dir, repository, "cannot configure");
    git.check({"config", "push.autoSetupRemote", "true"}, dir, repository, "cannot configure");
}

// Checks out `branch` in a fresh clone: the remote branch when there is one, else a new one
// from the default branch (or, in an empty repository, an unborn one).
void check_out(const Git& git, const fs::path& dir, const std::string& branch, const std::string& repository) {
    const auto remote = "refs/remotes/origin/" + branch;
    if (git.run({"rev-parse", "--verify", "--quiet", remote}, dir, repository).status == 0) {
        git.check({"checkout", "-q", "-B", branch, "--track", "origin/" + branch}, dir, repository,
                  "cannot check out " + branch + " in");
    } else if (git.run({"rev-parse", "--verify", "--quiet", "HEAD"}, dir, repository).status == 0) {
        git.check({"checkout", "-q", "-b", branch}, dir, repository, "cannot create branch " + branch + " in");
    } else {
        git.check({"symbolic-ref", "HEAD", "refs/heads/" + branch}, dir, repository,
                  "cannot create branch " + branch + " in");
    }
}

void check_branch_name(const Git& git, const std::string& branch, const fs::path& cwd, const std::string& repository) {
    if (branch.starts_with('-') || git.run({"check-ref-format", "--branch", branch}, cwd, repository).status != 0)
        throw RepositoryError(repository, "cannot clone " + repository + ": invalid branch name \"" + branch + "\"");
}

PreparedRepository prepare_one(const Git& git, const RepoSpec& spec, const std::string& name, const fs::path& repos_dir,
                               const RepositoryOptions& options) {
    const auto shown = url_without_userinfo(spec.url);
    PreparedRepository out{spec.url, name, repos_dir / name, {}, false};
    std::error_code ec;

    if (fs::exists(out.path / ".git", ec)) {
        // A restarted runner: keep the clone, and whatever the agent did in it.
        const auto origin = trimmed(git.run({"config", "--get", "remote.origin.url"}, out.path, shown).out);
        if (origin != spec.url)
            throw RepositoryError(shown, "cannot clone " + shown + ": " + out.path.string() +
                                             " already holds another repository (" + url_without_userinfo(origin) +
                                             ")");
        configure(git, out.path, options, shown);
        out.branch = trimmed(git.run({"symbolic-ref", "--short", "-q", "HEAD"}, out.path, shown).out);
        out.reused = true;
        return out;
    }
    if (fs::exists(out.path, ec))
        throw RepositoryError(
            shown, "cannot clone " + shown + ": " + out.path.string() + " exists and is not a git repository");

    const auto branch = spec.branch.empty() ? "ambient/" + options.session_id : spec.branch;
    check_branch_name(git, branch, repos_dir, shown);
    const auto partial = repos_dir / ("." + name + ".partial");
    fs::remove_all(partial, ec);  // a clone that a killed runner left half done
    try {
        git.check({"clone", "-q", "--", spec.url, partial.string()}, repos_dir, shown, "cannot clone");
        check_out(git, partial, branch, shown);
        configure(git, partial, options, shown);
        fs::rename(partial, out.path, ec);
        if (ec) throw RepositoryError(shown, "cannot clone " + shown + ": cannot rename the clone: " + ec.message());
    } catch (...) {
        fs::remove_all(partial, ec);
        throw;
    }
    out.branch = branch;
    return out;
}

}  // namespace

void check_repository_url(const std::string& url) {
    const auto shown = url_without_userinfo(url);
    auto refuse = [&](const std::string& why) { throw RepositoryError(shown, "cannot clone " + shown + ": " + why); };
    if (url.empty()) refuse("the URL is empty");
    if (url.size() > kMaxUrlLength) refuse("the URL is too long");
    if (url.starts_with('-')) refuse("the URL starts with '-'");
    for (unsigned char c : url)
        if (c <= ' ' || c == 0x7f) refuse("the URL contains spaces or control characters");
    // git's <transport>::<address> (ext:: runs a command, fd:: reads descriptors).
    if (url.substr(0, url.find("://")).find("::") != std::string::npos) refuse("git transport URLs are not allowed");
    const auto p = parse_url(url);
    if (!p) refuse("not a git URL (https://, http://, ssh://, file:// or host:path)");
    if (p->host.starts_with('-')) refuse("the host starts with '-'");  // ssh would take it for an option
    if (p->scheme == "http" || p->scheme == "https") {
        if (p->has_userinfo) refuse("the URL carries credentials; the runner authenticates with the granted ones");
        if (p->host.empty()) refuse("the URL has no host");
    } else if (p->scheme == "ssh" || p->scheme.empty()) {
        if (p->userinfo.find(':') != std::string::npos) refuse("the URL carries credentials");
        if (p->host.empty()) refuse("the URL has no host");
        if (p->path.empty()) refuse("the URL has no path");
    } else if (p->scheme == "file") {
        if (p->has_userinfo || !p->host.empty()) refuse("a file URL must be file:///path");
        if (p->path.size() < 2) refuse("the URL has no path");
    } else {
        refuse("the scheme " + p->scheme + " is not allowed (https, http, ssh, file)");
    }
}

std::string url_without_userinfo(const std::string& url) {
    const auto sep = url.find("://");
    if (sep == std::string::npos) return url;
    const auto start = sep + 3;
    const auto end = std::min(url.find_first_of("/?#", start), url.size());
    const auto at = url.rfind('@', end == 0 ? 0 : end - 1);
    if (at == std::string::npos || at < start) return url;
    return url.substr(0, start) + url.substr(at + 1);
}

std::vector<std::string> repository_names(const std::vector<RepoSpec>& repos) {
    std::vector<std::string> names;
    std::set<std::string> used;
    for (const auto& spec : repos) {
        auto path = spec.url;
        if (const auto q = path.find_first_of("?#"); q != std::string::npos && path.find("://") != std::string::npos)
            path.resize(q);
        while (!path.empty() && path.back() == '/')
            path.pop_back();
        const auto cut = path.find_last_of("/:");
        auto base = cut == std::string::npos ? path : path.substr(cut + 1);
        if (base.size() > 4 && lower(base.substr(base.size() - 4)) == ".git") base.resize(base.size() - 4);
        std::string name;
        for (unsigned char c : base)
            name += (std::isalnum(c) || c == '.' || c == '_' || c == '-') ? static_cast<char>(c) : '-';
        name.erase(0, name.find_first_not_of(".-"));
        if (name.size() > 100) name.resize(100);
        if (name.empty()) name = "repo";
        auto candidate = name;
        for (int n = 2; used.contains(candidate); ++n)
            candidate = name + "-" + std::to_string(n);
        used.insert(candidate);
        names.push_back(candidate);
    }
    return names;
}

std::vector<RepoSpec> session_repositories(const nlohmann::json& session) {
    std::vector<RepoSpec> out;
    if (auto u = session.find("repo_url"); u != session.end() && u->is_string() && !u->get<std::string>().empty())
        out.push_back({u->get<std::string>(), ""});
    auto r = session.find("repos");
    if (r == session.end() || r->is_null()) return out;
    std::string text = r->is_string() ? r->get<std::string>() : r->dump();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return out;
    std::vector<RepoSpec> listed;
    try {
        listed = parse_repos(text);
    } catch (const std::invalid_argument& e) {
        throw RepositoryError("repos", std::string("the session's repos: ") + e.what());
    }
    for (auto& spec : listed) {
        auto same = std::find_if(out.begin(), out.end(), [&](const RepoSpec& s) { return s.url == spec.url; });
        if (same == out.end()) {
            out.push_back(std::move(spec));
        } else if (same->branch.empty()) {
            same->branch = spec.branch;
        }
    }
    return out;
}

std::vector<RepoSpec> repositories_to_clone(const RunnerConfig& config, const nlohmann::json& session) {
    if (config.repos_override) return *config.repos_override;
    return session_repositories(session);
}

PreparedWorkspace prepare_repositories(const std::vector<RepoSpec>& repos, const RepositoryOptions& options) {
    for (const auto& spec : repos)
        check_repository_url(spec.url);  // all of them before any clone
    PreparedWorkspace out;
    const auto dir = repos.empty() ? options.workspace / "artifacts" : options.workspace / "repos";
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw RepositoryError(dir.string(), "cannot create " + dir.string() + ": " + ec.message());
    if (repos.empty()) {
        out.working_directory = dir;
        return out;
    }
    const Git git(options);
    const auto names = repository_names(repos);
    for (std::size_t i = 0; i < repos.size(); ++i)
        out.repositories.push_back(prepare_one(git, repos[i], names[i], dir, options));
    out.working_directory = out.repositories.front().path;
    return out;
}

}  // namespace ambient::runner
