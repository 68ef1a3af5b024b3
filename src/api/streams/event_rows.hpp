#pragma once
// Reading the events table for watch streams: new events for the fan-out (EventLog) and
// older ones for a stream that resumes from further back. Reads are bounded in rows and in
// bytes, so one large object cannot make a batch hold hundreds of megabytes.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/authz/event_visibility.hpp"
#include "api/store/database.hpp"

namespace ambient::api::streams {

// events.source of the kinds whose events the fan-out looks into: their schemas' `source`
// (resources/; a unit test keeps the two equal).
inline constexpr std::string_view kProjectsSource = "Projects";
inline constexpr std::string_view kSessionsSource = "Sessions";
inline constexpr std::string_view kRoleBindingsSource = "RoleBindings";

struct EventRow {
    std::int64_t id = 0;
    std::string type;  // "Create" | "Update" | "Delete"
    authz::EventRoute route;
    std::optional<std::string> object;  // rendered JSON; absent for deletes and sealed events
};

struct EventRange {
    std::vector<EventRow> rows;      // in id order
    std::int64_t next_position = 0;  // where the next read starts after
    bool pruned = false;             // events after the position may be gone: the reader must RESYNC
    bool more = false;               // cut short by a limit: read again from next_position
};

struct EventQuery {
    std::string source;   // one kind's events only; empty: every kind
    std::string project;  // only this project's events; empty: any
    std::int64_t max_rows = 500;
    // Rows after the first stop once their objects pass this many bytes.
    std::int64_t max_bytes = 1024 * 1024;
    // No event past this id: on PostgreSQL a settled id (event_frontier.hpp), since events
    // past it may still be followed by smaller ids that commit later.
    std::int64_t until = std::numeric_limits<std::int64_t>::max();
};

// The events in (position, query.until] that match `query`, in id order. Every id up to
// `until` is settled, so when the range is not cut short by a limit, every matching event up
// to min(newest, until) is in it, and next_position moves there.
EventRange read_events_after(store::Connection& conn, std::int64_t position, const EventQuery& query);

// The newest event id (0 for an empty table).
std::int64_t newest_event_id(store::Connection& conn);

// Whether a reader at `position` can resume from the table: false when events after it
// were pruned (event_retention.hpp) or it is past the newest event (not from this database).
struct EventBounds {
    std::optional<std::int64_t> oldest;
    std::int64_t newest = 0;
    bool can_resume_from(std::int64_t position) const {
        return position <= newest && (!oldest || *oldest <= position + 1);
    }
};
EventBounds event_bounds(store::Connection& conn);

// For each project, the id of its newest Create event: where its current incarnation's
// history starts (a deleted project's name can be taken again; events before that id are
// its predecessor's). Projects with none (pruned) map to 0.
std::unordered_map<std::string, std::int64_t> incarnation_starts(store::Connection& conn,
                                                                 const std::vector<std::string>& projects);

}  // namespace ambient::api::streams
