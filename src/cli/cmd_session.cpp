// session send | messages | events | clone | export: talking to a session, following its
// conversation and its runner's live AG-UI events (upstream's `acpctl session`, HEAD's
// -f/-F/--json included), copying a session and saving its whole record.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>

#include "cli/agui_text.hpp"
#include "cli/commands.hpp"
#include "cli/errors.hpp"
#include "cli/event_follower.hpp"
#include "cli/group_support.hpp"
#include "cli/output.hpp"

namespace ambient::cli {
namespace {

// The messages stream pings every 30 s and the events proxy every 15 s: a connection silent
// for three of those is dead (or stuck) however it looks, and is opened again.
constexpr auto kMessagesIdle = std::chrono::seconds(90);
constexpr auto kEventsIdle = std::chrono::seconds(45);
constexpr int kTextIndent = 6;
// An export is written as the server reads it; a pause this long means the server is gone.
constexpr auto kExportIdle = std::chrono::seconds(60);

struct SendOptions {
    std::string session_id;
    std::string message;
    std::string output;
    bool follow = false;
    bool json = false;
};

struct MessagesOptions {
    std::string session_id;
    std::string output;
    std::int64_t after = 0;
    bool follow = false;
    bool follow_continuous = false;
    bool json = false;
};

struct CloneOptions {
    std::string session_id;
    std::string name;
    std::string output;
};

struct EventsOptions {
    std::string session_id;
    bool json = false;
    bool until_done = false;
};

std::string session_path(const std::string& id) {
    return "/sessions/" + escape(id);
}

std::string quoted(const std::string& id) {
    return "\"" + id + "\"";
}

// A client per connection of a long follow: the token is read (and renewed) each time.
std::function<Api()> api_maker(Context& ctx) {
    return [&ctx] { return ctx.api_for_project(ctx.project()); };
}

// An event's data as one line of JSON: as the server sent it, unless it spans lines.
void print_raw(const std::string& data) {
    if (data.find('\n') == std::string::npos) {
        std::cout << data << '\n';
    } else {
        const auto parsed = Json::parse(data, nullptr, false);
        std::cout << (parsed.is_discarded() ? Json(data).dump() : parsed.dump()) << '\n';
    }
    std::cout.flush();
}

void print_banner(const std::string& what, const std::string& id) {
    if (!stdout_is_terminal()) return;
    std::cout << "Streaming " << what << " for session " << id << " (Ctrl+C to stop)...\n\n";
    std::cout.flush();
}

std::string read_stdin() {
    std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    // `echo hi | acpctl session send ID -` sends "hi", not "hi\n".
    if (text.ends_with("\n")) text.pop_back();
    if (text.ends_with("\r")) text.pop_back();
    return text;
}

// Prints the session's messages after `after` once each, in order, and ends when the run it
// follows ends: at the runner's lifecycle "run_finished" message for the newest user message
// seen (or `awaited_user_seq`, the one `send` just wrote) — so queued turns are waited for and
// a run that already ended, replayed from the store, still ends the follow. A failed run is
// the error "run failed: <message>" (exit 5). `continuous` never ends by itself.
void follow_messages(Context& ctx, const std::string& id, std::int64_t after, std::int64_t awaited_user_seq,
                     bool continuous, bool json_lines) {
    EventPrinter printer(std::cout, render_options_for_stdout());
    std::int64_t last_seq = after;
    std::int64_t newest_user_seq = awaited_user_seq;
    std::optional<RunEnd> ended;
    const auto on_event = [&](const SseEvent& event) {
        const auto message = Json::parse(event.data, nullptr, false);
        if (!message.is_object()) return FollowVerdict::Continue;
        const auto seq = message.value("seq", std::int64_t{0});
        if (seq <= last_seq) return FollowVerdict::Continue;  // already shown
        last_seq = seq;
        if (json_lines)
            print_raw(event.data);
        else
            printer.print_message(message);
        if (message.value("event_type", "") == "user") newest_user_seq = std::max(newest_user_seq, seq);
        std::optional<RunEnd> end;
        if (!continuous) end = run_end_of(message);
        if (!end || end->user_seq < newest_user_seq) return FollowVerdict::Continue;
        ended = end;
        return FollowVerdict::Stop;
    };
    FollowRequest request{.path = session_path(id) + "/messages?after_seq=" + std::to_string(after),
                          .last_event_id = {},
                          .context = "follow messages of session " + quoted(id),
                          .idle_timeout = ctx.stream_idle_timeout(kMessagesIdle)};
    follow_stream(api_maker(ctx), std::move(request), on_event, interrupted());
    printer.finish();
    if (ended && ended->failed)
        throw CliError(ended->message.empty() ? "run failed" : "run failed: " + ended->message, kExitServer);
}

// Every message after `after`, page by page as the server hands them out.
std::vector<Json> read_messages(const Api& api, const std::string& id, std::int64_t after) {
    const auto context = "get messages of session " + quoted(id);
    std::vector<Json> messages;
    for (;;) {
        const auto response = api.request("GET", session_path(id) + "/messages?after_seq=" + std::to_string(after));
        if (response.status != 200) Api::fail(response, context);
        auto page = Json::parse(response.body, nullptr, false);
        if (!page.is_array()) throw CliError(context + ": the answer is not a JSON array", kExitServer);
        for (auto& message : page)
            messages.push_back(std::move(message));
        const auto next = response.header("x-ambient-next-after-seq");
        if (next.empty() || page.empty()) break;
        const auto next_after = std::stoll(next);
        if (next_after <= after) break;  // a server that does not move on would loop forever
        after = next_after;
    }
    return messages;
}

// Upstream's text: "#<seq>  <event_type>  <age>", the display text wrapped under it, a blank line.
void print_messages_text(const std::vector<Json>& messages) {
    const int width = stdout_is_terminal() ? terminal_width() : 80;
    const auto now = std::chrono::system_clock::now();
    for (const auto& message : messages) {
        const auto text = display_text(message);
        if (text.empty()) continue;
        char header[256];
        std::snprintf(header, sizeof header, "#%-4lld  %-28s  %s",
                      static_cast<long long>(message.value("seq", std::int64_t{0})),
                      message.value("event_type", "").c_str(), format_age(message, now).c_str());
        std::cout << header << '\n' << wrap(text, width, kTextIndent) << '\n';
    }
}

void run_send(Context& ctx, const SendOptions& options) {
    const auto format = parse_format(options.output);
    const auto text = options.message == "-" ? read_stdin() : options.message;
    if (text.empty()) throw usage_error("the message is empty");
    const auto message =
        ctx.api().post(session_path(options.session_id) + "/messages", Json{{"event_type", "user"}, {"payload", text}},
                       "send message to session " + quoted(options.session_id));
    const auto seq = message.value("seq", std::int64_t{0});
    const bool json_lines = options.follow && (options.json || format == Format::Json);
    if (json_lines)
        print_raw(message.dump());
    else if (format == Format::Json)
        print_json(std::cout, message);
    else if (format == Format::Yaml)
        print_yaml(std::cout, message);
    else
        std::cout << "sent (seq=" << seq << ")\n";
    std::cout.flush();
    if (options.follow) follow_messages(ctx, options.session_id, seq, seq, false, json_lines);
}

void run_messages(Context& ctx, const MessagesOptions& options) {
    const auto format = parse_format(options.output);
    if (options.after < 0) throw usage_error("--after must be a non-negative sequence number");
    if (options.follow || options.follow_continuous) {
        const bool json_lines = options.json || format == Format::Json;
        if (!json_lines) print_banner("messages", options.session_id);
        follow_messages(ctx, options.session_id, options.after, 0, options.follow_continuous, json_lines);
        return;
    }
    const auto messages = read_messages(ctx.api(), options.session_id, options.after);
    if (options.json || format == Format::Json)
        print_json(std::cout, Json(messages));
    else if (format == Format::Yaml)
        print_yaml(std::cout, Json(messages));
    else
        print_messages_text(messages);
}

void run_events(Context& ctx, const EventsOptions& options) {
    if (!options.json) print_banner("events", options.session_id);
    EventPrinter printer(std::cout, render_options_for_stdout());
    std::optional<Json> end;
    const auto on_event = [&](const SseEvent& sse) {
        const auto event = Json::parse(sse.data, nullptr, false);
        if (options.json)
            print_raw(sse.data);
        else
            printer.print(event);
        const auto type = event.is_object() ? event.value("type", "") : std::string();
        if (!options.until_done || (type != "RUN_FINISHED" && type != "RUN_ERROR")) return FollowVerdict::Continue;
        end = event;
        return FollowVerdict::Stop;
    };
    FollowRequest request{.path = session_path(options.session_id) + "/events",
                          .last_event_id = {},
                          .context = "stream events of session " + quoted(options.session_id),
                          .idle_timeout = ctx.stream_idle_timeout(kEventsIdle)};
    follow_stream(api_maker(ctx), std::move(request), on_event, interrupted());
    printer.finish();
    if (end && end->value("type", "") == "RUN_ERROR") {
        const auto message = end->value("message", "");
        throw CliError(message.empty() ? "run failed" : "run failed: " + message, kExitServer);
    }
}

void run_clone(Context& ctx, const CloneOptions& options) {
    parse_format(options.output);  // a bad -o is refused before anything is created
    const Json body = options.name.empty() ? Json::object() : Json{{"name", options.name}};
    const auto created = ctx.api().post(session_path(options.session_id) + "/clone", body,
                                        "clone session " + quoted(options.session_id));
    print_written(options.output, "session", created, "session/" + field(created, "id") + " created");
}

// The export as the server streams it, straight to stdout: never held whole here either.
void run_export(Context& ctx, const std::string& id) {
    const auto context = "export session " + quoted(id);
    const std::function<bool(std::string_view)> on_data = [](std::string_view chunk) {
        std::cout.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        return static_cast<bool>(std::cout);
    };
    client::HttpResponse response;
    try {
        response = ctx.api().stream(session_path(id) + "/export", {}, on_data, &interrupted(), kExportIdle);
    } catch (const client::TransportError& e) {
        // The server ends a document it could not finish without its last chunk.
        throw CliError(context + ": the transfer broke, the output is incomplete: " + e.what(), kExitServer);
    }
    if (response.status != 200) Api::fail(response, context);
    if (!std::cout) throw CliError(context + ": could not write the output", kExitServer);
    if (interrupted()) throw CliError(context + ": interrupted, the output is incomplete", kExitServer);
    std::cout << '\n';
    std::cout.flush();
}

void add_clone(CLI::App& session, Context& ctx) {
    auto options = std::make_shared<CloneOptions>();
    auto* cmd = session.add_subcommand("clone", "Create a new session with another's settings (not its messages)");
    cmd->add_option("session-id", options->session_id, "The session to copy")->required();
    cmd->add_option("--name", options->name, "The new session's name (default: the source's name + \"-clone\")");
    cmd->add_option("-o,--output", options->output, "Output format: json, yaml or name (default: a line)");
    cmd->callback([&ctx, options] { run_clone(ctx, *options); });
}

void add_export(CLI::App& session, Context& ctx) {
    auto id = std::make_shared<std::string>();
    auto* cmd = session.add_subcommand("export", "Print a session and all its messages as one JSON document");
    cmd->add_option("session-id", *id, "The session")->required();
    cmd->callback([&ctx, id] { run_export(ctx, *id); });
}

void add_send(CLI::App& session, Context& ctx) {
    auto options = std::make_shared<SendOptions>();
    auto* cmd = session.add_subcommand("send", "Send a message to a session (the next turn of its agent)");
    cmd->add_option("session-id", options->session_id, "The session")->required();
    cmd->add_option("message", options->message, "The message; - reads it from stdin")->required();
    cmd->add_flag("-f,--follow", options->follow, "Then follow the run's events until it finishes");
    cmd->add_flag("--json", options->json, "With -f: print each message as raw JSON, one per line");
    cmd->add_option("-o,--output", options->output, "Output format: json or yaml (default: text)");
    cmd->callback([&ctx, options] { run_send(ctx, *options); });
}

void add_messages(CLI::App& session, Context& ctx) {
    auto options = std::make_shared<MessagesOptions>();
    auto* cmd = session.add_subcommand("messages", "Show a session's messages, or follow them");
    cmd->add_option("session-id", options->session_id, "The session")->required();
    cmd->add_option("--after", options->after, "Only messages after this sequence number")->default_val(0);
    cmd->add_flag("-f,--follow", options->follow, "Replay, then follow live until the current run ends");
    cmd->add_flag("-F,--follow-continuous", options->follow_continuous, "Replay, then follow live until Ctrl-C");
    cmd->add_flag("--json", options->json, "Print raw JSON (with -f/-F: one message per line)");
    cmd->add_option("-o,--output", options->output, "Output format: json or yaml (default: text)");
    cmd->callback([&ctx, options] { run_messages(ctx, *options); });
}

void add_events(CLI::App& session, Context& ctx) {
    auto options = std::make_shared<EventsOptions>();
    auto* cmd = session.add_subcommand("events", "Follow the live AG-UI events of a session's runner");
    cmd->add_option("session-id", options->session_id, "The session")->required();
    cmd->add_flag("--json", options->json, "Print each event's raw JSON, one per line");
    cmd->add_flag("--until-done", options->until_done, "Stop at the run's RUN_FINISHED (exit 0) or RUN_ERROR (exit 5)");
    cmd->callback([&ctx, options] { run_events(ctx, *options); });
}

}  // namespace

void register_session(CLI::App& app, Context& ctx) {
    auto* session = app.add_subcommand(
        "session", "Send messages to a session, follow its conversation and events, clone or export it");
    session->require_subcommand(1);
    add_send(*session, ctx);
    add_messages(*session, ctx);
    add_events(*session, ctx);
    add_clone(*session, ctx);
    add_export(*session, ctx);
}

}  // namespace ambient::cli
