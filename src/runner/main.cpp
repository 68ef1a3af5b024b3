// ambient-runner: placeholder until the turn loop lands.
#include <cstring>
#include <iostream>

#include "runner/config.hpp"
#include "runner/git_credential_helper.hpp"

int main(int argc, char** argv) {
    // git runs this binary as its credential helper (GitCredentials::environment()); it must
    // answer before anything else runs: no configuration, no logs.
    if (argc >= 2 && std::strcmp(argv[1], ambient::runner::kGitCredentialSubcommand) == 0)
        return ambient::runner::git_credential_main(argc, argv);
    try {
        auto config = ambient::runner::load_config();
        (void)config;
    } catch (const ambient::runner::ConfigError& e) {
        std::cerr << "ambient-runner: " << e.what() << "\n";
        return 2;
    }
    return 0;
}
