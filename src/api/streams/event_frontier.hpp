#pragma once
// How far the events table may be read without ever skipping an event that commits later.
//
// On SQLite writers are serialised, so event ids commit in id order and the newest id is
// always safe. On PostgreSQL writers run concurrently and take their event ids from the
// events sequence inside their transactions, with no lock: ids can become visible out of
// order (a transaction that took id 7 may commit after the one that took id 8), and an id
// can be lost for good (its transaction rolled back). A reader must then deliver up to a
// *settled* id F only: every event with an id <= F has committed (and is visible) or never
// will. Streams resume by a single id, so delivering past an unsettled id would lose it.
//
// Why a gap settles once the transactions then in progress end. A checkpoint is one
// statement, in a transaction of its own, that reads `newest`, the largest event id visible
// in its snapshot S, and then takes an xid X of its own (pg_current_xact_id()). Let g <
// newest be an id not visible in S. The sequence hands out ids in increasing order (CACHE 1),
// so g was taken before `newest`, whose transaction committed before S. g's transaction
// already owned its xid when it took g (repo::record_event runs after the object's own
// write), so that xid was assigned before S, hence before X: it is below X. At S that
// transaction had not committed (else g would be visible): it rolled back (g never appears)
// or was in progress. Once a later snapshot S' has xmin > X, every transaction with an xid
// up to X has ended, and g is visible in S' or never will be. So every id up to `newest` is
// settled as soon as xmin passes X. (The snapshot's own xmax is no such bound: it is one past
// the latest *completed* xid, and a running transaction may hold a larger one.) Between
// checkpoints, an id right after a settled one is settled as soon as it is visible. Ids lost
// for good (rollbacks, values a crash skipped) therefore hold readers back only until the
// transactions running at the next checkpoint have ended, never for ever.
//
// An EventFrontier keeps that knowledge for one process; advance() moves it forward from
// one statement that reads the snapshot's xmin and the ids visible in it, and takes a new
// checkpoint when none is pending. It runs its own transactions: call it outside one.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include "api/store/database.hpp"

namespace ambient::api::streams {

struct Frontier {
    std::int64_t position = 0;  // every event id <= position is settled
    bool more = false;          // stopped at the row limit: more may be settled already
    bool waiting = false;       // a visible event lies beyond an unsettled gap: ask again soon
};

class EventFrontier {
public:
    explicit EventFrontier(std::int64_t settled = 0) : settled_(settled) {}

    // The furthest settled id now, looking at most `max_rows` events past `from` (itself
    // settled). Thread-safe.
    Frontier advance(store::Connection& conn, std::int64_t from, std::int64_t max_rows);

    // An id up to which every event is settled, at or past the newest id now: waits for
    // the transactions in progress to end, up to `patience`, and throws store::StoreError
    // when they do not. For a reader that starts without history (a new process).
    std::int64_t settle_newest(store::Connection& conn, std::chrono::milliseconds patience);

private:
    struct Checkpoint {
        std::int64_t newest = 0;
        std::int64_t xid = 0;  // settles once the snapshot xmin is above it
    };
    Checkpoint take_checkpoint(store::Connection& conn);

    std::mutex mutex_;
    std::int64_t settled_;                  // every id <= settled_ is settled
    std::optional<Checkpoint> checkpoint_;  // settles up to newest once xmin > xid
};

}  // namespace ambient::api::streams
