// `acpctl completion bash|zsh|fish`: the bash script loads in a real bash and its function
// completes commands, kinds and options; the zsh and fish scripts have their shells' shape
// (neither shell is installed on these machines).
#include <cstdio>
#include <fstream>
#include "cli/cli_fixture.hpp"

namespace ambient::testing::cli {
namespace {

class CompletionTest : public CliTest {
protected:
    // Runs `script` in a fresh bash after sourcing acpctl's completion; its stdout.
    std::string in_bash(const std::string& script) {
        const auto generated = acpctl({"completion", "bash"});
        EXPECT_EQ(generated.exit_code, 0) << generated.err;
        const auto completion = dir_.path() / "acpctl.bash";
        const auto test = dir_.path() / "test.bash";
        std::ofstream(completion) << generated.out;
        std::ofstream(test) << "set -e\nsource " << completion.string() << "\n" << script;
        std::string out;
        FILE* pipe = popen(("bash --norc --noprofile " + test.string() + " 2>&1").c_str(), "r");
        if (pipe == nullptr) return "popen failed";
        char buffer[4096];
        for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;)
            out.append(buffer, n);
        EXPECT_EQ(pclose(pipe), 0) << out;
        return out;
    }

    // The words bash's completion function offers for the command line `words` (the last
    // one being completed).
    std::string complete(const std::string& words) {
        return in_bash("COMP_WORDS=(" + words + ")\nCOMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n_acpctl\n" +
                       "printf '[%s]' \"${COMPREPLY[@]}\"\n");
    }

    TempDir dir_;
};

TEST_F(CompletionTest, BashLoadsTheScriptAndRegistersIt) {
    EXPECT_NE(in_bash("complete -p acpctl\n").find("-F _acpctl acpctl"), std::string::npos);
}

TEST_F(CompletionTest, BashCompletesCommandsKindsAndOptions) {
    EXPECT_EQ(complete("acpctl ge"), "[get]");
    const auto kinds = complete("acpctl get ''");
    EXPECT_NE(kinds.find("[sessions]"), std::string::npos) << kinds;
    EXPECT_NE(kinds.find("[credentials]"), std::string::npos) << kinds;
    const auto options = complete("acpctl session messages --af");
    EXPECT_EQ(options, "[--after]");
    const auto subcommands = complete("acpctl credential ''");
    for (const auto* sub : {"[create]", "[rotate]", "[token]", "[bind]"})
        EXPECT_NE(subcommands.find(sub), std::string::npos) << sub << " in " << subcommands;
}

TEST_F(CompletionTest, ZshAndFishScriptsHaveTheirShellsShape) {
    const auto zsh = acpctl({"completion", "zsh"});
    EXPECT_EQ(zsh.exit_code, 0) << zsh.err;
    EXPECT_EQ(zsh.out.rfind("#compdef acpctl", 0), 0u) << zsh.out.substr(0, 200);
    const auto fish = acpctl({"completion", "fish"});
    EXPECT_EQ(fish.exit_code, 0) << fish.err;
    EXPECT_NE(fish.out.find("complete -c acpctl"), std::string::npos);
    EXPECT_NE(fish.out.find("get"), std::string::npos);
}

TEST_F(CompletionTest, AnUnknownShellIsAUsageError) {
    const auto r = acpctl({"completion", "powershell"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err.rfind("Error: ", 0), 0u) << r.err;
}

}  // namespace
}  // namespace ambient::testing::cli
