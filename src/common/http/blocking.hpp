#pragma once
// Running blocking work (database calls, handlers) from a coroutine without stalling an I/O
// thread: the function runs on a thread pool and the coroutine resumes on its own executor,
// with the function's exception, if any, rethrown there.
//
//     Response r = co_await run_blocking(server.workers(), [&] { return handler(request); });
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <exception>
#include <optional>
#include <type_traits>
#include <variant>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ambient::http {

namespace detail {

// Posts `fn` to `pool`; when it finishes, `handler` is invoked on its associated executor
// (the awaiting coroutine's strand), which is kept alive meanwhile by tracked work.
template <typename Result, typename Fn, typename Handler>
void start_blocking(boost::asio::thread_pool& pool, Fn fn, Handler handler) {
    auto home = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                    boost::asio::execution::outstanding_work.tracked);
    boost::asio::post(pool, [fn = std::move(fn), handler = std::move(handler), home = std::move(home)]() mutable {
        std::exception_ptr error;
        Result result;
        try {
            if constexpr (std::is_void_v<std::invoke_result_t<Fn&>>) {
                fn();
                result.emplace();
            } else {
                result.emplace(fn());
            }
        } catch (...) {
            error = std::current_exception();
        }
        boost::asio::post(home, [handler = std::move(handler), error, result = std::move(result)]() mutable {
            handler(error, std::move(result));
        });
    });
}

template <typename T>
using BlockingResult = std::optional<std::conditional_t<std::is_void_v<T>, std::monostate, T>>;

template <typename Fn>
auto initiate_blocking(boost::asio::thread_pool& pool, Fn fn) {
    using Result = BlockingResult<std::invoke_result_t<Fn&>>;
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(std::exception_ptr, Result)>(
        [&pool](auto handler, Fn f) { start_blocking<Result>(pool, std::move(f), std::move(handler)); },
        boost::asio::use_awaitable, std::move(fn));
}

}  // namespace detail

// Runs `fn()` on `pool` and returns its result (or rethrows its exception) in the awaiting
// coroutine, on that coroutine's executor. `fn` is moved to the pool; what it captures by
// reference outlives the call, since the coroutine stays suspended until `fn` returns.
template <typename Fn>
requires std::is_void_v<std::invoke_result_t<Fn&>> boost::asio::awaitable<void> run_blocking(
    boost::asio::thread_pool& pool, Fn fn) {
    co_await detail::initiate_blocking(pool, std::move(fn));
}

template <typename Fn>
requires(!std::is_void_v<std::invoke_result_t<Fn&>>) boost::asio::awaitable<std::invoke_result_t<Fn&>> run_blocking(
    boost::asio::thread_pool& pool, Fn fn) {
    auto result = co_await detail::initiate_blocking(pool, std::move(fn));
    co_return std::move(*result);
}

}  // namespace ambient::http
