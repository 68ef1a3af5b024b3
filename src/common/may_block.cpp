#include "common/may_block.hpp"

namespace ambient {
namespace {
thread_local bool must_not_block = false;
}  // namespace

bool may_block() noexcept {
    return !must_not_block;
}

NonBlockingScope::NonBlockingScope() noexcept : previous_(must_not_block) {
    must_not_block = true;
}

NonBlockingScope::~NonBlockingScope() {
    must_not_block = previous_;
}

}  // namespace ambient
