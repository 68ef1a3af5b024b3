#include "api/resources/resources.hpp"
#include "api/resources/sessions.hpp"

namespace ambient::api {

std::vector<const model::KindSchema*> all_schemas() {
    return {&project_schema(),       &project_settings_schema(), &user_schema(),    &role_schema(),
            &role_binding_schema(),  &credential_schema(),       &session_schema(), &agent_schema(),
            &inbox_message_schema(), &audit_event_schema()};
}

}  // namespace ambient::api
