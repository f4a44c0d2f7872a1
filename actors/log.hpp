// One-line diagnostics to stderr, prefixed with the rank so mixed mpirun output stays readable.
#pragma once
#include <string>

namespace apq::actors {

// "apq[rank 3]: <text>" on stderr, written with one call so lines from threads do not mix.
void log_line(int rank, const std::string& text);

}  // namespace apq::actors
