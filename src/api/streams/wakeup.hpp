#pragma once
// How an open stream sleeps until something concerns it: http::Wakeup (common/http/wakeup.hpp),
// shared with the runner's streams.
#include "common/http/wakeup.hpp"

namespace ambient::api::streams {

using http::Wakeup;

}  // namespace ambient::api::streams
