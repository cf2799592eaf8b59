// hostfxr explains a failure to start in 3 to 16 lines written for `dotnet app.dll`; the
// launcher's errors are one line. This turns the common failures (a framework that is not
// installed, a runtimeconfig.json that does not parse) into one line that says what to
// install or fix; --verbose prints hostfxr's own text after it.
#pragma once

#include <cstdint>
#include <string>

namespace dw::host {

// One line (without the "dotnet-workers: error: " prefix) for hostfxr's failure `code`
// starting `app`, from the `messages` its error writer gave.
std::string DescribeHostfxrFailure(const std::string& app, int32_t code, const std::string& messages);

// hostfxr's text, each line indented by two spaces (what --verbose prints after the line).
std::string IndentHostfxrMessages(const std::string& messages);

}  // namespace dw::host
