#pragma once
// The spellings of a secret value that output may carry: the value itself and its encodings.
// A secret is found in a text by finding any of them.
#include <string>
#include <string_view>
#include <vector>

namespace ambient::runner::redaction {

// Every form of `value`, without duplicates:
//  - the value;
//  - percent-encoded (RFC 3986: all but unreserved characters), upper- and lower-case hex;
//  - JSON-escaped, when that differs (a value with a quote or a backslash inside a JSON text);
//  - base64, standard and URL alphabets, padded and unpadded;
//  - the part of its base64 that does not depend on its neighbours, for each of the three
//    alignments it can have inside a longer base64 text (base64("x-access-token:" + value) in
//    an HTTP Basic header holds none of the forms above).
// Forms shorter than `min_length` are left out.
std::vector<std::string> secret_forms(std::string_view value, std::size_t min_length);

}  // namespace ambient::runner::redaction
