// A full or read-only database reaches the client as 507 / 503 with a reason saying so,
// never as the 500 of an unexpected storage error, and with no detail for the per-request
// log line (the storage warning is throttled instead).
#include "api/storage_errors.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "api/handler_support.hpp"
#include "api/resources/resources.hpp"

namespace ambient::api {
namespace {

ApiError mapped(const std::function<void()>& fail) {
    try {
        try {
            fail();
        } catch (...) {
            rethrow_as_api_error(project_schema());
        }
    } catch (const ApiError& e) {
        return e;
    }
    ADD_FAILURE() << "no ApiError";
    return ApiError::internal("none");
}

TEST(StorageErrors, AFullDiskIs507SayingStorageIsFull) {
    const auto e = mapped([] { throw store::StorageFull("database or disk is full"); });
    EXPECT_EQ(e.status(), 507);
    EXPECT_STREQ(e.reason(), kStorageFullReason);
    EXPECT_TRUE(e.detail().empty());
}

TEST(StorageErrors, AReadOnlyDatabaseIs503SayingStorageIsReadOnly) {
    const auto e = mapped([] { throw store::StorageReadOnly("attempt to write a readonly database"); });
    EXPECT_EQ(e.status(), 503);
    EXPECT_STREQ(e.reason(), kStorageReadOnlyReason);
    EXPECT_TRUE(e.detail().empty());
}

TEST(StorageErrors, OtherStorageErrorsStayInternal) {
    EXPECT_EQ(mapped([] { throw store::StoreError("no such table"); }).status(), 500);
}

}  // namespace
}  // namespace ambient::api
