#pragma once
// Watch streams: `GET <collection>?watch=true` answers text/event-stream with one frame per
// change of the collection's kind, read from the events table by id:
//
//     id: 42
//     data: {"type":"CREATED|UPDATED|DELETED","resource_id":"…","object":{…}}
//
// (no "object" for DELETED; the object is the one recorded with the event, i.e. as of the
// change). A client resumes with Last-Event-ID (or ?after_event_id=N) and gets every later
// event it may see exactly once; without either, the stream starts at the current end. When
// events it needs were pruned (event_retention.hpp) it gets one `event: RESYNC` frame and
// then live events: it should list again. Idle streams get a ": ping" comment every 30 s
// (--stream-ping-interval), also while the database is away; the stream then carries on from
// its position once the database is back, or, when a database fault leaves it unable to
// recheck its caller's access, ends with an `event: ERROR` frame (streams/stream_faults.hpp).
//
// What a stream sends is what its caller may see now (authz::EventVisibility, refreshed when
// the caller's bindings change) and only of objects as they are: the events of a deleted
// object no longer carry its fields (only its DELETED is sent), and a project name taken
// again replays nothing of the project that had it before. The stream ends when the caller's
// token expires. New events reach streams through streams::EventLog: one read per change,
// whatever the number of streams.
#include <string>
#include "api/context.hpp"

#include "api/model/kind.hpp"
#include "common/http/message.hpp"

namespace ambient::api {

// True for ?watch=true; false when absent or "false"; 400 for any other value.
bool watch_requested(const http::Request& req);

// The stream for `req`, over the events of `schema`'s source (of `project` only, unless
// empty). Fixes the starting position before answering, so a client holding the response
// headers is sure to see every later change. 400 for a bad resume id or a search/orderBy (a
// watch cannot honour them); 429 when the caller holds too many streams; 503 when the
// database is unavailable.
http::Response watch_response(ApiContext& ctx, const model::KindSchema& schema, std::string project,
                              const http::Request& req);

}  // namespace ambient::api
