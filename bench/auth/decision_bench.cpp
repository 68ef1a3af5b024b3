// bench-auth-decision: latency of the per-request authorization decision of a user, with a
// realistic role_bindings table, against a trivial round trip on the same connection.
//
//   bench-auth-decision [--backend sqlite|postgres|both] [--iterations N] [--bindings N]
//                       [--users N] [--projects N] [--seed N]
//
// Per backend: a fresh database (SQLite in a temporary directory; PostgreSQL in a
// throwaway cluster from tests/support/pg_cluster, or AMBIENT_TEST_PG_URL), the server's
// migrations, then projects, users, 10 sessions per project and --bindings role bindings
// spread over the users (default 10,000 over 2,000 users and 500 projects: mostly
// project-scoped owner/editor/viewer, some session-scoped). On PostgreSQL the tables are
// ANALYZEd, as autovacuum would do.
//
// Then, for --iterations random (user, session) pairs (half of them a session in one of
// the user's projects), three timings on one pooled connection, in rotating order so
// that drift and cache effects fall on all three alike:
//   baseline   SELECT 1                                    (one round trip, nothing else)
//   decision   load_user_bindings(user) + Access(bindings).allows("session:read", session)
//   +lookup    the session row lookup that GET /sessions/{id} does first, then the decision
// and prints p50/p95/p99/max in microseconds, and the ratio of each p95 to the baseline's.
// The machine-readable line per backend starts with "RESULT".
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

#include "api/authz/access.hpp"
#include "api/authz/binding_store.hpp"
#include "api/builtin_roles.hpp"
#include "api/schema_migrations.hpp"
#include "api/store/database.hpp"
#include "api/store/migrations.hpp"
#include "support/pg_cluster.hpp"

namespace {

using ambient::store::SqlValue;
using Clock = std::chrono::steady_clock;
namespace authz = ambient::api::authz;

struct Options {
    std::string backend = "sqlite";
    int iterations = 20000;
    int bindings = 10000;
    int users = 2000;
    int projects = 500;
    unsigned seed = 42;
};

constexpr int kSessionsPerProject = 10;

std::string user_name(int u) {
    return fmt::format("bench-user-{:05d}", u);
}
std::string project_id(int p) {
    return fmt::format("bench-project-{:04d}", p);
}
std::string session_id(int p, int s) {
    return fmt::format("bench-session-{:04d}-{:02d}", p, s);
}

std::string text(const SqlValue& v) {
    const auto* s = std::get_if<std::string>(&v);
    return s != nullptr ? *s : std::string();
}

// Same SQL as request_authorizer's lookup_session.
std::optional<authz::Target> lookup_session(ambient::store::Connection& conn, const std::string& id) {
    const auto rs = conn.exec("SELECT project_id, agent_id FROM sessions WHERE id = ? AND deleted_at IS NULL", {id});
    if (rs.rows.empty()) return std::nullopt;
    return authz::Target::session(id, text(rs.rows[0][0]), text(rs.rows[0][1]));
}

// Returns, per user, the projects that user's bindings name.
std::vector<std::vector<int>> populate(ambient::store::Database& db, const Options& o, std::mt19937& rng) {
    using ambient::api::builtin_role_id;
    const std::string t = "2026-11-28T00:00:00.000000Z";
    const std::string owner = builtin_role_id("project:owner");
    const std::string editor = builtin_role_id("project:editor");
    const std::string viewer = builtin_role_id("project:viewer");
    auto lease = db.acquire();
    ambient::store::Transaction tx(lease, ambient::store::TxMode::Write);
    auto& conn = tx.conn();
    for (int p = 0; p < o.projects; ++p) {
        conn.exec("INSERT INTO projects (id, created_at, updated_at, name) VALUES (?, ?, ?, ?)",
                  {project_id(p), t, t, project_id(p)});
        for (int s = 0; s < kSessionsPerProject; ++s) {
            conn.exec(
                "INSERT INTO sessions (id, created_at, updated_at, name, project_id, kube_cr_name) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                {session_id(p, s), t, t, session_id(p, s), project_id(p), session_id(p, s)});
        }
    }
    for (int u = 0; u < o.users; ++u) {
        conn.exec("INSERT INTO users (id, created_at, updated_at, username, name) VALUES (?, ?, ?, ?, ?)",
                  {user_name(u), t, t, user_name(u), user_name(u)});
    }
    // Round-robin over users, so each holds bindings/users of them (5 by default); one in
    // ten is session-scoped (viewer), the rest project-scoped with a random project role.
    // Duplicates are redrawn here: on PostgreSQL a unique violation would abort the
    // transaction.
    std::uniform_int_distribution<int> pick_project(0, o.projects - 1);
    std::uniform_int_distribution<int> pick_session(0, kSessionsPerProject - 1);
    std::uniform_int_distribution<int> pick_role(0, 2);
    const std::string roles[] = {owner, editor, viewer};
    std::set<std::string> taken;
    std::vector<std::vector<int>> user_projects(static_cast<std::size_t>(o.users));
    for (int inserted = 0; inserted < o.bindings;) {
        const int u = inserted % o.users;
        const int p = pick_project(rng);
        const bool session_scoped = rng() % 10 == 0;
        const std::string& role = session_scoped ? viewer : roles[pick_role(rng)];
        const std::string session = session_scoped ? session_id(p, pick_session(rng)) : std::string();
        if (!taken.insert(fmt::format("{}|{}|{}|{}", role, u, p, session)).second) continue;
        const std::string id = fmt::format("bench-binding-{:06d}", inserted);
        if (session_scoped) {
            conn.exec(
                "INSERT INTO role_bindings (id, created_at, updated_at, role_id, scope, user_id, project_id, "
                "session_id) VALUES (?, ?, ?, ?, 'session', ?, ?, ?)",
                {id, t, t, role, user_name(u), project_id(p), session});
        } else {
            conn.exec(
                "INSERT INTO role_bindings (id, created_at, updated_at, role_id, scope, user_id, project_id) "
                "VALUES (?, ?, ?, ?, 'project', ?, ?)",
                {id, t, t, role, user_name(u), project_id(p)});
        }
        user_projects[static_cast<std::size_t>(u)].push_back(p);
        ++inserted;
    }
    tx.commit();
    if (db.dialect() == ambient::store::Dialect::Postgres) lease->exec("ANALYZE");
    return user_projects;
}

struct Series {
    std::vector<double> us;
    double at(double q) const {
        const auto i = static_cast<std::size_t>(q * static_cast<double>(us.size() - 1) + 0.5);
        return us[std::min(i, us.size() - 1)];
    }
};

int run_backend(const std::string& backend, const Options& o) {
    std::unique_ptr<ambient::store::Database> db;
    std::filesystem::path dir;
    if (backend == "sqlite") {
        dir = std::filesystem::temp_directory_path() /
              fmt::format("ambient-bench-authz-{}-{}", ::getpid(), std::random_device{}());
        db = ambient::store::open_sqlite(dir.string());
    } else {
        db = ambient::store::open_postgres(ambient::testing::PgCluster::shared().create_database("bench_authz"));
    }
    struct Cleanup {
        std::filesystem::path dir;
        ~Cleanup() {
            std::error_code ec;
            if (!dir.empty()) std::filesystem::remove_all(dir, ec);
        }
    } cleanup{dir};

    std::mt19937 rng(o.seed);
    ambient::store::apply_migrations(*db, ambient::api::schema_migrations());
    const auto t0 = Clock::now();
    const auto user_projects = populate(*db, o, rng);
    const auto setup_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();

    auto lease = db->acquire();
    auto& conn = *lease;
    {
        const auto rs = conn.exec("SELECT COUNT(*) FROM role_bindings WHERE deleted_at IS NULL");
        std::cout << fmt::format("{:<9} {} live role bindings, {} users, {} projects, {} sessions (setup {:.0f} ms)\n",
                                 backend, std::get<std::int64_t>(rs.rows[0][0]), o.users, o.projects,
                                 o.projects * kSessionsPerProject, setup_ms);
    }

    std::uniform_int_distribution<int> pick_user(0, o.users - 1);
    std::uniform_int_distribution<int> pick_project(0, o.projects - 1);
    std::uniform_int_distribution<int> pick_session(0, kSessionsPerProject - 1);
    Series base, decision, lookup;
    std::int64_t allowed = 0, bindings_seen = 0, lookup_allowed = 0;
    const int warmup = std::max(200, o.iterations / 20);
    for (int i = 0; i < warmup + o.iterations; ++i) {
        // Half the requests name a session in a project the user has a binding on (mostly
        // allowed, as in normal use), half a random session (mostly refused: 404 masking).
        const int u = pick_user(rng);
        const std::string user = user_name(u);
        const auto& own = user_projects[static_cast<std::size_t>(u)];
        const int p = i % 2 == 0 && !own.empty() ? own[rng() % own.size()] : pick_project(rng);
        const std::string sid = session_id(p, pick_session(rng));
        for (int k = 0; k < 3; ++k) {
            const int which = (i + k) % 3;
            const auto start = Clock::now();
            if (which == 0) {
                conn.exec("SELECT 1");
            } else if (which == 1) {
                const authz::Access access(authz::load_user_bindings(conn, user));
                const bool ok = access.allows("session:read", authz::Target::session(sid, project_id(p), ""));
                allowed += ok ? 1 : 0;
                bindings_seen += static_cast<std::int64_t>(access.bindings().size());
            } else {
                const auto target = lookup_session(conn, sid);
                const authz::Access access(authz::load_user_bindings(conn, user));
                lookup_allowed += target && access.allows("session:read", *target) ? 1 : 0;
            }
            const double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
            if (i < warmup) continue;
            (which == 0 ? base : which == 1 ? decision : lookup).us.push_back(us);
        }
    }
    for (auto* s : {&base, &decision, &lookup})
        std::sort(s->us.begin(), s->us.end());

    const double base_p95 = base.at(0.95);
    auto line = [&](const char* label, const Series& s) {
        std::cout << fmt::format("{:<9} {:<32} p50 {:8.1f}  p95 {:8.1f}  p99 {:8.1f}  max {:9.1f} us", backend, label,
                                 s.at(0.50), s.at(0.95), s.at(0.99), s.us.back());
        if (&s != &base) std::cout << fmt::format("   p95 = {:.1f} x baseline", s.at(0.95) / base_p95);
        std::cout << "\n";
    };
    std::cout << fmt::format(
        "{:<9} {} iterations after {} warm-up; {:.1f} bindings per user on average, {:.0f}% of "
        "decisions allowed\n",
        backend, o.iterations, warmup, static_cast<double>(bindings_seen) / (o.iterations + warmup),
        100.0 * static_cast<double>(allowed) / (o.iterations + warmup));
    line("SELECT 1 (baseline)", base);
    line("bindings + allows (decision)", decision);
    line("session lookup + decision", lookup);
    std::cout << fmt::format(
        "RESULT {} baseline_p95_us={:.1f} decision_p50_us={:.1f} decision_p95_us={:.1f} decision_p99_us={:.1f} "
        "lookup_decision_p95_us={:.1f} decision_p95_over_baseline={:.2f}\n",
        backend, base_p95, decision.at(0.5), decision.at(0.95), decision.at(0.99), lookup.at(0.95),
        decision.at(0.95) / base_p95);
    if (lookup_allowed != allowed) {
        std::cerr << backend << ": the decision with and without the session lookup disagree\n";
        return 1;
    }
    return 0;
}

int usage(const char* argv0) {
    std::cerr << "usage: " << argv0
              << " [--backend sqlite|postgres|both] [--iterations N] [--bindings N] [--users N] [--projects N] "
                 "[--seed N]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) return usage(argv[0]);
        const std::string value = argv[++i];
        if (arg == "--backend") {
            o.backend = value;
        } else if (arg == "--iterations") {
            o.iterations = std::atoi(value.c_str());
        } else if (arg == "--bindings") {
            o.bindings = std::atoi(value.c_str());
        } else if (arg == "--users") {
            o.users = std::atoi(value.c_str());
        } else if (arg == "--projects") {
            o.projects = std::atoi(value.c_str());
        } else if (arg == "--seed") {
            o.seed = static_cast<unsigned>(std::atoi(value.c_str()));
        } else {
            return usage(argv[0]);
        }
    }
    if (o.iterations < 1 || o.users < 1 || o.projects < 1 || o.bindings < 0 ||
        (o.backend != "sqlite" && o.backend != "postgres" && o.backend != "both")) {
        return usage(argv[0]);
    }
    // Each user can hold at most 3 roles per project plus the session-scoped ones.
    if (o.bindings > static_cast<std::int64_t>(o.users) * o.projects * 2) {
        std::cerr << "--bindings is too large for --users x --projects\n";
        return 2;
    }
    int status = 0;
    try {
        if (o.backend != "postgres") status |= run_backend("sqlite", o);
        if (o.backend != "sqlite") status |= run_backend("postgres", o);
    } catch (const std::exception& e) {
        std::cerr << "bench-auth-decision: " << e.what() << "\n";
        return 1;
    }
    return status;
}
