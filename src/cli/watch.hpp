#pragma once
// `acpctl get <kind> -w`: follows a collection's watch stream (GET <path>?watch=true, server-
// sent events, docs/api.md "Watch streams") and prints the current objects, then one row (or
// one JSON line) per change. A dropped stream is resumed with Last-Event-ID, after a backoff,
// so a server restart neither loses nor repeats a change; a RESYNC frame, or a reconnect with
// nothing to resume from, lists again and prints only what differs from what was shown. A
// stream silent for idle_timeout, or ended by an `error` event, is resumed the same way, and
// each resume is one line on stderr saying why.
#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

#include "cli/api.hpp"
#include "cli/output.hpp"

namespace ambient::cli {

struct WatchOptions {
    std::string path;    // the collection, "/sessions" or "/projects/p/agents"
    std::string plural;  // "sessions", for error lines
    std::vector<Column> columns;
    // One compact JSON line per change ({"type","resource_id","object"}) instead of rows;
    // the objects listed at the start and after a resync come as type "LISTED".
    bool json_lines = false;
    std::chrono::milliseconds timeout{std::chrono::minutes(30)};
    // A quiet stream still gets a ": ping" every 30 s; three of those without a byte mean the
    // connection is dead (or the server stuck), and it is replaced.
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(90)};
};

// Runs until the timeout passes or SIGINT arrives (both a normal end), or a refusal the
// stream cannot recover from (thrown as the CliError for its status).
void watch(const Api& api, const WatchOptions& options, std::ostream& out);

// A Go-style duration ("30m", "1h30m", "45s", "500ms"), which must be positive; a usage
// error naming `flag` otherwise.
std::chrono::milliseconds parse_duration(const std::string& text, const std::string& flag);

}  // namespace ambient::cli
