#pragma once

#include <string_view>

namespace linecast {

// The console page served at GET / on the HTTP port: broker/console/console.html,
// embedded byte for byte at build time (embed_file.cmake writes the .cc that
// defines it). Static storage; valid for the life of the process.
std::string_view consolePage();

}  // namespace linecast
