# Helpers shared by every folder's CMakeLists.txt.

# Warnings for our own code only (third-party headers come in as SYSTEM includes).
function(apq_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local)
endfunction()

# A library made of every .cpp in the current folder, so a new file needs no CMake edit. A
# program's entry point (*_main.cpp) is not library code and stays out.
# Dependencies are given as PUBLIC link libraries. A folder without sources yet gives an
# interface library, so its dependants still configure.
function(apq_folder_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER sources EXCLUDE REGEX "_main\\.cpp$")
  if(NOT sources)
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${name} INTERFACE ${ARG_DEPENDS})
    return()
  endif()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPENDS})
  apq_warnings(${name})
endfunction()
