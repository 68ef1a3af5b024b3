#include "common/version.hpp"

#ifndef AMBIENT_GIT_COMMIT
#define AMBIENT_GIT_COMMIT "unknown"
#endif

namespace ambient {

const std::string& build_commit() {
    static const std::string commit = AMBIENT_GIT_COMMIT;
    return commit;
}

}  // namespace ambient
