#include "api/crud.hpp"

#include "api/auth/principal.hpp"
#include "api/authz/list_visibility.hpp"
#include "api/read_on_io_thread.hpp"
#include "api/watch.hpp"

namespace ambient::api {

using store::TxMode;

const char* write_action_name(WriteKind kind) {
    switch (kind) {
        case WriteKind::Create:
            return "create";
        case WriteKind::Update:
            return "update";
        case WriteKind::Delete:
            return "delete";
    }
    return "update";
}

namespace {

// Both filters must hold; either may be empty.
store::SqlFragment both(store::SqlFragment a, std::optional<store::SqlFragment> b) {
    if (!b) return a;
    if (a.sql.empty()) return std::move(*b);
    a.sql = "(" + a.sql + ") AND (" + b->sql + ")";
    a.params.insert(a.params.end(), b->params.begin(), b->params.end());
    return a;
}

}  // namespace

http::Handler Crud::list() const {
    return [self = *this](http::Request& req) {
        std::optional<std::string> project;
        if (self.hooks_.list_project) project = self.hooks_.list_project(req);
        if (watch_requested(req)) return watch_response(self.ctx_, self.schema_, project.value_or(""), req);
        store::SqlFragment scope;
        if (project) scope = {"project_id = ?", {*project}};
        const auto& principal = principal_of(req);
        auto params = list_params(self.schema_, req);
        params.query.scope = both(std::move(scope), authz::visible_rows(principal, self.schema_.table));
        const auto result = in_transaction(self.ctx_, TxMode::Read, self.schema_, [&](store::Connection& conn) {
            return repo::list(conn, self.schema_, params.query);
        });
        return json_response(200, render_list(self.schema_, result, params));
    };
}

http::Handler Crud::create() const {
    return [self = *this](http::Request& req) {
        auto row = create_body(self.schema_, req);
        if (self.hooks_.validate) self.hooks_.validate(row);
        const auto stored = in_transaction(self.ctx_, TxMode::Write, self.schema_, [&](store::Connection& conn) {
            if (self.hooks_.before_create) self.hooks_.before_create(conn, row);
            if (self.hooks_.authorize_write) self.hooks_.authorize_write(conn, req, WriteKind::Create, nullptr, row);
            auto inserted = repo::insert(conn, self.schema_, std::move(row));
            if (self.hooks_.after_write) self.hooks_.after_write(conn, req, WriteKind::Create, inserted);
            return inserted;
        });
        return http::Response::json(201, model::render_text(self.schema_, stored));
    };
}

http::Response Crud::found(std::string_view id, const std::optional<model::Row>& row) const {
    if (!row) throw not_found(schema_, id);
    return http::Response::json(200, model::render_text(schema_, *row));
}

http::Handler Crud::get() const {
    return [self = *this](http::Request& req) {
        const auto& id = req.param(kIdParam);
        const auto row = with_connection(self.ctx_, self.schema_,
                                         [&](store::Connection& conn) { return repo::find(conn, self.schema_, id); });
        return self.found(id, row);
    };
}

http::IoHandler Crud::get_on_io_thread() const {
    return [self = *this](http::Request& req) {
        const auto& id = req.param(kIdParam);
        // The request outlives its pending answer, so the render may refer to its id.
        return read_on_io_thread(
            self.ctx_, self.schema_, repo::find_sql(self.schema_), {id},
            [&self, &id](store::ResultSet& result) { return self.found(id, repo::found_row(result)); });
    };
}

http::Handler Crud::patch() const {
    return [self = *this](http::Request& req) {
        const auto& id = req.param(kIdParam);
        auto changes = patch_body(self.schema_, req);
        if (self.hooks_.validate) self.hooks_.validate(changes);
        const auto row = in_transaction(self.ctx_, TxMode::Write, self.schema_, [&](store::Connection& conn) {
            const auto current = repo::find(conn, self.schema_, id);
            if (!current) throw not_found(self.schema_, id);
            if (self.hooks_.before_update) self.hooks_.before_update(conn, *current, changes);
            if (self.hooks_.authorize_write) {
                model::Row proposed = *current;
                for (const auto& [column, value] : changes)
                    proposed[column] = value;
                self.hooks_.authorize_write(conn, req, WriteKind::Update, &*current, proposed);
            }
            auto updated = repo::update(conn, self.schema_, id, changes);
            if (!updated) throw not_found(self.schema_, id);
            if (self.hooks_.after_write) self.hooks_.after_write(conn, req, WriteKind::Update, *updated);
            return *updated;
        });
        return http::Response::json(200, model::render_text(self.schema_, row));
    };
}

http::Handler Crud::remove() const {
    return [self = *this](http::Request& req) {
        const auto& id = req.param(kIdParam);
        in_transaction(self.ctx_, TxMode::Write, self.schema_, [&](store::Connection& conn) {
            const auto current = repo::find(conn, self.schema_, id);
            if (!current) throw not_found(self.schema_, id);
            if (self.hooks_.before_delete) self.hooks_.before_delete(conn, *current);
            if (self.hooks_.authorize_write) {
                self.hooks_.authorize_write(conn, req, WriteKind::Delete, &*current, *current);
            }
            repo::remove(conn, self.schema_, id);
            if (self.hooks_.after_write) self.hooks_.after_write(conn, req, WriteKind::Delete, *current);
        });
        return no_content();
    };
}

}  // namespace ambient::api
