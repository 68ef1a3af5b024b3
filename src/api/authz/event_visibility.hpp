#pragma once
// Which watch events a caller may see, decided in memory: the twin of visible_rows()
// (list_visibility.hpp) for the events table, so that one read of a new event can be fanned
// out to every open watch stream without a query per stream. Each event carries the
// attributes the rules need (EventRoute), recorded with it when it was written.
#include <string>
#include <unordered_set>
#include <utility>

#include "api/auth/principal.hpp"

namespace ambient::api::authz {

// What an event is about, for deciding who sees it. Empty strings are absent values.
struct EventRoute {
    std::string source;     // the kind's table, e.g. "sessions"
    std::string source_id;  // the object's id
    // The project it lives in: a project's own id; a role binding's project, or for a
    // session-scoped binding the session's project.
    std::string project_id;
    std::string agent_id;       // sessions and role bindings
    std::string session_id;     // role bindings
    std::string credential_id;  // role bindings
    std::string user_id;        // role bindings: the subject; users: the username
};

class EventVisibility {
public:
    // What `principal` may see of `table`'s events, as of its loaded access (principal.access).
    static EventVisibility of(const Principal& principal, const std::string& table);

    bool sees(const EventRoute& event) const;

private:
    enum class Mode { All, None, Filtered };
    struct PairHash {
        std::size_t operator()(const std::pair<std::string, std::string>& p) const;
    };
    using Ids = std::unordered_set<std::string>;
    using Pairs = std::unordered_set<std::pair<std::string, std::string>, PairHash>;

    Mode mode_ = Mode::None;
    std::string table_;
    std::string username_;
    Ids projects_;     // project ids whose rows of the table are visible
    Pairs agents_;     // (project, agent) pairs whose rows are visible
    Ids sessions_;     // session ids (sessions table)
    Ids credentials_;  // credential ids (credentials; role bindings: managed credentials)
};

}  // namespace ambient::api::authz
