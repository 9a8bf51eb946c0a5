#pragma once

// linecast-cli's exit codes: a script may rely on them (see README.md here and
// `linecast-cli --help`). They never change meaning once released.
namespace linecast::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitServerError = 1;     // the server answered -ERR, or /healthz was not 200
inline constexpr int kExitUsage = 2;           // bad flags or arguments
inline constexpr int kExitCannotConnect = 3;   // resolve or connect failed (or timed out)
inline constexpr int kExitAuthFailed = 4;      // wrong token, or a token is required and none was given
inline constexpr int kExitConnectionLost = 5;  // the server closed, reset or stopped answering

}  // namespace linecast::cli
