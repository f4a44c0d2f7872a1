// Shared pieces of apq-h5 (the analysis tool over run files): finding the files of a run
// directory, telling their kinds apart, and formatting numbers.
#pragma once
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "analysis/number_text.hpp"

namespace apq::h5tool {

struct RunFileEntry {
  std::string path;
  std::string kind;  // "fp-dataset", ... (empty when the file could not be identified)
  int version = 0;
  std::string error;  // why it could not be read, when kind is empty
};

// The .h5 files of a directory (sorted, temporaries skipped) or the single file PATH, each with
// its kind. A single file that is not ours, or damaged, throws its one-line error; in a
// directory such files are returned with `error` set. A missing PATH throws.
std::vector<RunFileEntry> list_run_files(const std::string& path);

// The one file of `kind` under PATH (a run directory or the file itself); throws if none.
std::string find_run_file(const std::string& path, const std::string& kind);
std::string find_run_file_of(const std::string& path, const std::vector<std::string>& kinds, std::string* kind);

// Runs `read` (which reads path), retrying a few times when it fails for a reason other than
// "not ours": a file being written can be caught in the middle of a flush.
void with_retries(const std::string& path, const std::function<void()>& read);

// HDF5 1.10 can crash (SIGSEGV in H5HG_read) on a corrupt heap instead of reporting an error.
// install_crash_handler() turns such a crash into the usual one-line error and exit code 2,
// naming the file passed to the last note_reading().
void install_crash_handler();
void note_reading(const std::string& path);

// Prints "apq-h5: error: <what>" as one line on stderr; returns the exit code, 2.
int print_error(const std::exception& e);

bool is_directory(const std::string& path);
std::string base_name(const std::string& path);

// Shortest text that reads back as the same double ("nan" for NaN).
std::string exact_number(double v);

// Rows of cells printed as an aligned text table (first row = header).
std::string text_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace apq::h5tool
