#pragma once
// What the client and the operator are told when the database cannot store a write
// because its disk is full or it is read-only: never a 500, and one warning per interval
// in the log rather than one per request.
#include "api/store/database.hpp"
#include "common/api_error.hpp"

namespace ambient::api {

inline constexpr const char* kStorageFullReason =
    "Storage is full: the write was not stored; free space on the database's disk";
inline constexpr const char* kStorageReadOnlyReason =
    "Storage is read-only: the write was not stored; make the database writable";

// 507 with kStorageFullReason; logs the driver's message at most once per interval.
ApiError storage_full(const store::StorageFull& e);
// 503 with kStorageReadOnlyReason; logs the driver's message at most once per interval.
ApiError storage_read_only(const store::StorageReadOnly& e);

}  // namespace ambient::api
