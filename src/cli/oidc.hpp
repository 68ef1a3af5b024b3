#pragma once
// OIDC for `acpctl login`: the authorization-code flow with PKCE (a loopback callback), the
// client-credentials grant, and renewal of an expired access token with the stored refresh
// token.
#include "cli/config.hpp"

namespace ambient::cli {

// When config.access_token is a JWT whose exp has passed and a refresh token, issuer and
// client id are stored, trades the refresh token at the issuer's token endpoint, stores the
// new tokens in `config` and returns true (the caller saves the file). False when nothing
// needed (or could) be done; a refusal by the issuer is a CliError.
bool renew_expired_token(Config& config);

}  // namespace ambient::cli
