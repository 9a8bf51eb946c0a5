# cmake -DINPUT=<file> -DOUTPUT=<.cc> -DFUNCTION=<name> -DHEADER=<include> -P embed_file.cmake
#
# Writes a C++ source that defines `std::string_view linecast::<FUNCTION>()`
# returning INPUT's bytes exactly, as an unsigned char array (no delimiter
# or escaping can go wrong). broker/CMakeLists.txt runs it whenever INPUT
# or this script changes.
foreach(var INPUT OUTPUT FUNCTION HEADER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_file.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_chars)
math(EXPR size "${hex_chars} / 2")
# 16 bytes a line: "0x3c,0x21,...".
string(REPEAT "[0-9a-f][0-9a-f]" 16 sixteen)
string(REGEX REPLACE "(${sixteen})" "\\1\n" hex "${hex}")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "\n" "\n    " bytes "${bytes}")

get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}" "// Generated from ${name} by embed_file.cmake: do not edit.
#include \"${HEADER}\"

namespace linecast {
namespace {

// ${size} bytes, and a 0 after them so that an empty file is a valid array.
constexpr unsigned char kBytes[] = {
    ${bytes}0x00};

}  // namespace

std::string_view ${FUNCTION}() {
  return {reinterpret_cast<const char*>(kBytes), sizeof(kBytes) - 1};
}

}  // namespace linecast
")
