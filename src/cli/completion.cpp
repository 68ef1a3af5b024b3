// `acpctl completion bash|zsh|fish`: a completion script generated when asked, from the
// command tree as it is at that moment (every group registers its commands before this one),
// so a new command or flag is completed without anyone editing a list. The kinds that get,
// describe and delete take come from kinds.hpp.
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/kinds.hpp"
#include "common/shell_quote.hpp"

namespace ambient::cli {
namespace {

// One command of the tree, flattened: what may follow it on the command line.
struct CommandNode {
    std::vector<std::string> spellings;  // "acpctl get", and with aliases "acpctl rb list", …
    std::vector<std::string> names;      // its own name and aliases
    std::vector<std::string> parent_names;
    std::string description;
    std::vector<std::string> subcommands;    // their names and aliases
    std::vector<std::string> options;        // "-o", "--output", …, with the ancestors' (global flags)
    std::vector<std::string> value_options;  // those of `options` that take a value
    std::vector<std::string> arguments;      // words for the first positional (kinds, shells)
    std::vector<const CLI::Option*> own_options;
};

const std::vector<std::string> kShells = {"bash", "zsh", "fish"};

std::vector<std::string> names_of(const CLI::App& app) {
    std::vector<std::string> names = {app.get_name()};
    names.insert(names.end(), app.get_aliases().begin(), app.get_aliases().end());
    return names;
}

std::vector<std::string> option_words(const CLI::Option& option) {
    std::vector<std::string> words;
    for (const auto& s : option.get_snames())
        words.push_back("-" + s);
    for (const auto& l : option.get_lnames())
        words.push_back("--" + l);
    return words;
}

// Flags are options that expect no value (CLI11's expected(0)).
bool takes_value(const CLI::Option& option) {
    return option.get_expected_max() > 0;
}

// Keeps the first of each word: a subcommand repeats its ancestors' -h/--help.
void add_unique(std::vector<std::string>& words, std::string word) {
    if (std::find(words.begin(), words.end(), word) == words.end()) words.push_back(std::move(word));
}

std::vector<const CLI::App*> visible_subcommands(const CLI::App& app) {
    // CLI11 hides a subcommand by giving it an empty group.
    return app.get_subcommands([](const CLI::App* sub) { return !sub->get_group().empty(); });
}

std::vector<std::string> arguments_of(const std::vector<std::string>& spellings) {
    const auto& path = spellings.front();
    if (path == "acpctl get" || path == "acpctl describe" || path == "acpctl delete") {
        std::vector<std::string> words;
        for (const auto& kind : all_kinds()) {
            words.push_back(kind.plural);
            words.push_back(kind.name);
            words.insert(words.end(), kind.aliases.begin(), kind.aliases.end());
        }
        std::sort(words.begin(), words.end());
        words.erase(std::unique(words.begin(), words.end()), words.end());
        return words;
    }
    if (path == "acpctl completion") return kShells;
    return {};
}

void collect(const CLI::App& app, const CommandNode& parent, std::vector<CommandNode>& out, bool is_root) {
    CommandNode node;
    node.names = names_of(app);
    node.description = app.get_description();
    if (is_root) {
        node.spellings = {"acpctl"};
    } else {
        node.parent_names = parent.names;
        for (const auto& prefix : parent.spellings)
            for (const auto& name : node.names)
                node.spellings.push_back(prefix + " " + name);
        node.options = parent.options;
        node.value_options = parent.value_options;
    }
    for (const auto* option : app.get_options()) {
        if (!option->nonpositional()) continue;
        node.own_options.push_back(option);
        for (auto& word : option_words(*option)) {
            if (takes_value(*option)) add_unique(node.value_options, word);
            add_unique(node.options, std::move(word));
        }
    }
    const auto children = visible_subcommands(app);
    for (const auto* child : children)
        for (auto& name : names_of(*child))
            node.subcommands.push_back(std::move(name));
    node.arguments = arguments_of(node.spellings);
    out.push_back(node);
    for (const auto* child : children)
        collect(*child, node, out, false);
}

std::vector<CommandNode> command_tree(const CLI::App& root) {
    std::vector<CommandNode> nodes;
    collect(root, CommandNode{}, nodes, true);
    return nodes;
}

std::string joined(const std::vector<std::string>& words, const std::string& separator = " ") {
    std::string out;
    for (const auto& word : words)
        out += (out.empty() ? "" : separator) + word;
    return out;
}

// A bash function answering "what may follow <path>" with one case arm per command.
void write_lookup(std::ostream& out, const std::string& function, const std::vector<CommandNode>& nodes,
                  std::vector<std::string> CommandNode::*words) {
    out << function << "() {\n    case \"$1\" in\n";
    for (const auto& node : nodes) {
        if ((node.*words).empty()) continue;
        std::vector<std::string> patterns;
        for (const auto& spelling : node.spellings)
            patterns.push_back(shell_quote(spelling));
        out << "        " << joined(patterns, "|") << ") echo " << shell_quote(joined(node.*words)) << " ;;\n";
    }
    out << "    esac\n}\n";
}

// Walks the words before the cursor: options (skipping the value of those that take one),
// then subcommands as long as no positional came; offers options after '-', else the
// subcommands and the first positional's words.
constexpr const char* kBashCompleter = R"BASH(
_acpctl() {
    # zsh (through bashcompinit) indexes arrays from 1 unless told otherwise.
    if [[ -n "${ZSH_VERSION:-}" ]]; then setopt localoptions ksharrays; fi
    local cur="${COMP_WORDS[COMP_CWORD]}" path="acpctl" word i skip=0 positionals=0 words=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${COMP_WORDS[i]}"
        if ((skip)); then
            skip=0
            continue
        fi
        case "$word" in
            -*=*) continue ;;
            -*)
                if [[ " $(_acpctl_value_options "$path") " == *" $word "* ]]; then skip=1; fi
                continue
                ;;
        esac
        if ((positionals == 0)) && [[ " $(_acpctl_subcommands "$path") " == *" $word "* ]]; then
            path="$path $word"
        else
            positionals=$((positionals + 1))
        fi
    done
    if ((skip)); then
        COMPREPLY=()
        return 0
    fi
    if [[ "$cur" == -* ]]; then
        words="$(_acpctl_options "$path")"
    elif ((positionals == 0)); then
        words="$(_acpctl_subcommands "$path") $(_acpctl_arguments "$path")"
    fi
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
    return 0
}
complete -o default -F _acpctl acpctl
)BASH";

void write_bash(std::ostream& out, const std::vector<CommandNode>& nodes) {
    out << "# bash completion for acpctl, generated by `acpctl completion bash` from its commands.\n"
           "# Load it with: source <(acpctl completion bash)\n";
    write_lookup(out, "_acpctl_subcommands", nodes, &CommandNode::subcommands);
    write_lookup(out, "_acpctl_options", nodes, &CommandNode::options);
    write_lookup(out, "_acpctl_value_options", nodes, &CommandNode::value_options);
    write_lookup(out, "_acpctl_arguments", nodes, &CommandNode::arguments);
    out << kBashCompleter;
}

// zsh runs the bash completer through bashcompinit, which needs compinit first.
void write_zsh(std::ostream& out, const std::vector<CommandNode>& nodes) {
    out << "#compdef acpctl\n"
           "# zsh completion for acpctl. Load it with: source <(acpctl completion zsh)\n"
           "if ! (( $+functions[compdef] )); then autoload -U +X compinit && compinit; fi\n"
           "autoload -U +X bashcompinit && bashcompinit\n";
    write_bash(out, nodes);
}

std::string fish_condition(const CommandNode& node) {
    if (node.parent_names.empty()) return "__fish_use_subcommand";
    return "__fish_seen_subcommand_from " + joined(node.parent_names) + "; and not __fish_seen_subcommand_from " +
           joined(node.names);
}

void write_fish_options(std::ostream& out, const CommandNode& node, bool is_root) {
    for (const auto* option : node.own_options) {
        out << "complete -c acpctl";
        if (!is_root) out << " -n " << shell_quote("__fish_seen_subcommand_from " + joined(node.names));
        for (const auto& s : option->get_snames())
            out << " -s " << s;
        for (const auto& l : option->get_lnames())
            out << " -l " << l;
        if (takes_value(*option)) out << " -r -F";
        out << " -d " << shell_quote(option->get_description()) << "\n";
    }
}

void write_fish(std::ostream& out, const std::vector<CommandNode>& nodes) {
    out << "# fish completion for acpctl, generated by `acpctl completion fish` from its commands.\n"
           "# Load it with: acpctl completion fish | source\n"
           "complete -c acpctl -f\n";
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto& node = nodes[i];
        const bool is_root = i == 0;
        if (!is_root) {
            const auto condition =
                node.parent_names == nodes.front().names ? std::string("__fish_use_subcommand") : fish_condition(node);
            out << "complete -c acpctl -n " << shell_quote(condition) << " -a " << shell_quote(joined(node.names))
                << " -d " << shell_quote(node.description) << "\n";
        }
        if (!node.arguments.empty()) {
            out << "complete -c acpctl -n " << shell_quote("__fish_seen_subcommand_from " + joined(node.names))
                << " -a " << shell_quote(joined(node.arguments)) << "\n";
        }
        write_fish_options(out, node, is_root);
    }
}

void write_script(std::ostream& out, const std::string& shell, const CLI::App& root) {
    const auto nodes = command_tree(root);
    if (shell == "bash") write_bash(out, nodes);
    if (shell == "zsh") write_zsh(out, nodes);
    if (shell == "fish") write_fish(out, nodes);
}

}  // namespace

void register_completion(CLI::App& app) {
    auto shell = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("completion", "Print a shell completion script (bash, zsh or fish)");
    cmd->add_option("shell", *shell, "bash, zsh or fish")->required()->check(CLI::IsMember(kShells));
    cmd->callback([&app, shell] { write_script(std::cout, *shell, app); });
}

}  // namespace ambient::cli
