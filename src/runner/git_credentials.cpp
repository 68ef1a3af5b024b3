#include "runner/git_credentials.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <string_view>

#include "common/shell_quote.hpp"

namespace ambient::runner {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFilePrefix = "git-credentials-";

// Names this process's file: another nonce in the directory is a file that a killed runner
// left behind (pids say nothing here: in a PID namespace every runner may be pid 1).
const std::string& process_nonce() {
    static const std::string nonce = [] {
        std::random_device device;
        std::string out;
        for (int i = 0; i < 4; ++i) {
            char buf[9];
            std::snprintf(buf, sizeof buf, "%08x", device());
            out += buf;
        }
        return out;
    }();
    return nonce;
}

std::string system_error(const std::string& what, const fs::path& path, int err) {
    return what + " " + path.string() + ": " + std::strerror(err);
}

// Creates `dir` with mode 0700, or checks that an existing one is a real directory of ours
// and makes it 0700.
void make_private_directory(const fs::path& dir) {
    std::error_code ec;
    if (dir.has_parent_path()) fs::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        throw GitCredentialsError(system_error("cannot create", dir, errno));
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) throw GitCredentialsError(system_error("cannot inspect", dir, errno));
    if (!S_ISDIR(st.st_mode)) throw GitCredentialsError(dir.string() + " is not a directory");
    if (st.st_uid != ::geteuid()) throw GitCredentialsError(dir.string() + " belongs to another user");
    if ((st.st_mode & 07777) != 0700 && ::chmod(dir.c_str(), 0700) != 0)
        throw GitCredentialsError(system_error("cannot make private", dir, errno));
}

void remove_stale_files(const fs::path& dir) {
    const auto ours = std::string(kFilePrefix) + process_nonce();
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const auto name = entry.path().filename().string();
        if (name.starts_with(kFilePrefix) && name != ours) fs::remove(entry.path(), ec);
    }
}

void write_private_file(const fs::path& path, const std::string& content) {
    // O_EXCL: never reuse (or follow a symlink planted at) an existing name; 0600 from the
    // start, so the token is never readable by others, not even for a moment.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
        throw GitCredentialsError(path.string() + " is in use: one GitCredentials at a time per directory");
    if (fd < 0) throw GitCredentialsError(system_error("cannot create", path, errno));
    std::string_view rest = content;
    while (!rest.empty()) {
        const auto n = ::write(fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            ::unlink(path.c_str());
            throw GitCredentialsError(system_error("cannot write", path, err));
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    ::close(fd);
}

}  // namespace

fs::path current_executable() {
    return fs::read_symlink("/proc/self/exe");
}

GitCredentials::GitCredentials(const std::vector<GitCredential>& credentials, GitCredentialsOptions options)
    : helper_program_(options.helper_program.empty() ? current_executable() : options.helper_program) {
    if (options.private_dir.empty()) throw GitCredentialsError("no directory for the git credentials");
    make_private_directory(options.private_dir);
    remove_stale_files(options.private_dir);
    // The same path on every turn, so an agent process that outlives a turn (the claude
    // agent's) still finds the next turn's file through the environment it was started with.
    file_ = options.private_dir / (std::string(kFilePrefix) + process_nonce());
    write_private_file(file_, serialize_git_credential_file({credentials, std::move(options.host_providers)}));
}

GitCredentials::~GitCredentials() {
    ::unlink(file_.c_str());
}

Environment GitCredentials::environment() const {
    return {
        {"GIT_CONFIG_COUNT", "2"},
        // An empty helper clears the list configured so far (system, global, repository).
        {"GIT_CONFIG_KEY_0", "credential.helper"},
        {"GIT_CONFIG_VALUE_0", ""},
        {"GIT_CONFIG_KEY_1", "credential.helper"},
        {"GIT_CONFIG_VALUE_1", "!" + shell_quote(helper_program_.string()) + " " + kGitCredentialSubcommand},
        {kGitCredentialsFileVariable, file_.string()},
        {"GIT_TERMINAL_PROMPT", "0"},
    };
}

}  // namespace ambient::runner
