# reference/bench/tokio.cmake: OPTIONAL tokio current_thread rows for
# wk_tpc_bench.  Included by reference/bench/CMakeLists.txt.
#
# wk_tpc_bench then runs the single-core workloads (self-wake yield loop,
# clone+wake, ping-pong of two tasks, spawn-to-completion) on tokio 1.24's
# current_thread runtime in the same run as the reference runtime, and prints
# the speedups reference / tokio with the >= 3x targets (README.md, Benchmarks).
# scripts/setup.sh installs what it needs; without it the rows say n/a.
#
# To enable it (Debian 12, offline: Debian's archive is the only source):
#   apt-get install -y librust-tokio-dev      # tokio 1.24.2 + deps in
#                                             # /usr/share/cargo/registry
#   cargo on PATH                             # tested: rustup's cargo/rustc
#                                             # 1.95; Debian's cargo 0.66 /
#                                             # rustc 1.63 meets tokio 1.24's
#                                             # rust-version 1.49, untried
#   cmake -S . -B build-x -DCMAKE_BUILD_TYPE=Release   # configure (again)
#   cmake --build build-x --target wk_tpc_bench
#   build-x/reference/bench/wk_tpc_bench
#   reference/bench/tokio/instr_per_op.sh build-x/reference/bench/wk_tpc_bench
#                                  # instructions per op, load-independent
# It is built whenever both are found, except with -DWK_BENCH_TOKIO=OFF, in a
# sanitizer build (WK_SANITIZE: the uninstrumented Rust side would make
# ThreadSanitizer report its synchronisation as races) and when tests run
# under CMAKE_CROSSCOMPILING_EMULATOR (the valgrind preset): timings mean
# nothing there and the optional Rust side stays out of those checks.
#
# How: the crate in tokio/ (a staticlib exporting extern "C" functions, see
# tokio/bench_tokio.h) is copied into the build directory and built there by
# `cargo build --release --offline` (Cargo.lock and target/ never land in the
# source tree); its .cargo/config.toml replaces crates.io with Debian's
# directory registry.  wk_tpc_bench links the library and the system
# libraries the Rust standard library needs, and is compiled with
# WK_BENCH_TOKIO=1.

set(_wk_tokio_registry "/usr/share/cargo/registry")
set(_wk_tokio_howto "apt-get install -y librust-tokio-dev, cargo on PATH, no WK_SANITIZE or emulator, not -DWK_BENCH_TOKIO=OFF, then reconfigure (see reference/bench/tokio.cmake)")

# What is missing, if anything (empty: build it).
set(_wk_tokio_missing "")
if(DEFINED WK_BENCH_TOKIO AND NOT WK_BENCH_TOKIO)
  set(_wk_tokio_missing "disabled by -DWK_BENCH_TOKIO=${WK_BENCH_TOKIO}")
elseif(WK_SANITIZE)
  set(_wk_tokio_missing "not in sanitizer builds (WK_SANITIZE=${WK_SANITIZE})")
elseif(CMAKE_CROSSCOMPILING_EMULATOR)
  set(_wk_tokio_missing "not when tests run under an emulator (CMAKE_CROSSCOMPILING_EMULATOR, e.g. the valgrind preset)")
elseif(NOT TARGET wakerconf::wk_tpc AND NOT TARGET wk_tpc)
  set(_wk_tokio_missing "the reference runtime (reference/tpc) is not part of this build")
else()
  find_program(WK_CARGO_EXECUTABLE cargo DOC "cargo for the optional tokio rows of wk_tpc_bench")
  # Debian 12 ships tokio 1.24.2; the crate asks for ^1.24 (see tokio/Cargo.toml).
  set(_wk_tokio_version "")
  file(GLOB _wk_tokio_dirs LIST_DIRECTORIES true "${_wk_tokio_registry}/tokio-1.*")
  foreach(_wk_tokio_dir IN LISTS _wk_tokio_dirs)
    get_filename_component(_wk_tokio_name "${_wk_tokio_dir}" NAME)
    string(REGEX REPLACE "^tokio-" "" _wk_tokio_v "${_wk_tokio_name}")
    if(_wk_tokio_v VERSION_GREATER_EQUAL 1.24 AND EXISTS "${_wk_tokio_dir}/Cargo.toml")
      set(_wk_tokio_version "${_wk_tokio_v}")
    endif()
  endforeach()
  file(GLOB _wk_tokio_libc LIST_DIRECTORIES true "${_wk_tokio_registry}/libc-0.2.*")
  if(NOT WK_CARGO_EXECUTABLE)
    set(_wk_tokio_missing "cargo not found on PATH")
  else()
    execute_process(COMMAND "${WK_CARGO_EXECUTABLE}" --version
                    RESULT_VARIABLE _wk_tokio_rc OUTPUT_VARIABLE _wk_tokio_cargo_version
                    ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT _wk_tokio_rc EQUAL 0)
      set(_wk_tokio_missing "${WK_CARGO_EXECUTABLE} --version failed (no toolchain?)")
    elseif(_wk_tokio_version STREQUAL "" OR NOT _wk_tokio_libc)
      set(_wk_tokio_missing "Debian's librust-tokio-dev (tokio >= 1.24, libc 0.2) is not installed under ${_wk_tokio_registry}")
    endif()
  endif()
endif()

if(NOT _wk_tokio_missing STREQUAL "")
  message(STATUS "reference/bench: tokio rows of wk_tpc_bench not built (${_wk_tokio_missing}); to enable: ${_wk_tokio_howto}")
  return()
endif()

message(STATUS "reference/bench: wk_tpc_bench gets tokio ${_wk_tokio_version} current_thread rows (${_wk_tokio_cargo_version}, offline from ${_wk_tokio_registry})")

# The crate is built from a copy inside the build directory.
set(_wk_tokio_src "${CMAKE_CURRENT_LIST_DIR}/tokio")
set(_wk_tokio_crate "${CMAKE_CURRENT_BINARY_DIR}/tokio-crate")
set(_wk_tokio_lib "${_wk_tokio_crate}/target/release/${CMAKE_STATIC_LIBRARY_PREFIX}wk_bench_tokio${CMAKE_STATIC_LIBRARY_SUFFIX}")
set(_wk_tokio_inputs
  "${_wk_tokio_src}/Cargo.toml"
  "${_wk_tokio_src}/.cargo/config.toml"
  "${_wk_tokio_src}/src/lib.rs")

file(MAKE_DIRECTORY "${_wk_tokio_crate}/.cargo" "${_wk_tokio_crate}/src")
add_custom_command(
  OUTPUT "${_wk_tokio_lib}"
  COMMAND "${CMAKE_COMMAND}" -E copy_if_different "${_wk_tokio_src}/Cargo.toml" "${_wk_tokio_crate}/Cargo.toml"
  COMMAND "${CMAKE_COMMAND}" -E copy_if_different "${_wk_tokio_src}/.cargo/config.toml" "${_wk_tokio_crate}/.cargo/config.toml"
  COMMAND "${CMAKE_COMMAND}" -E copy_if_different "${_wk_tokio_src}/src/lib.rs" "${_wk_tokio_crate}/src/lib.rs"
  # Run from the copy, so cargo reads its .cargo/config.toml (Debian's registry).
  COMMAND "${WK_CARGO_EXECUTABLE}" build --release --offline
          --manifest-path "${_wk_tokio_crate}/Cargo.toml"
          --target-dir "${_wk_tokio_crate}/target"
  # cargo leaves an up-to-date library untouched: make the output newer than
  # the inputs, or this command would rerun on every build.
  COMMAND "${CMAKE_COMMAND}" -E touch "${_wk_tokio_lib}"
  WORKING_DIRECTORY "${_wk_tokio_crate}"
  DEPENDS ${_wk_tokio_inputs}
  COMMENT "Building wk_bench_tokio (tokio current_thread workloads) with cargo, offline"
  VERBATIM)
add_custom_target(wk_bench_tokio_build DEPENDS "${_wk_tokio_lib}")

# Native libraries the Rust standard library needs in a static link
# (cargo rustc -- --print native-static-libs: -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc).
add_library(wk_bench_tokio INTERFACE)
target_link_libraries(wk_bench_tokio INTERFACE "${_wk_tokio_lib}" gcc_s util rt pthread m dl)
target_include_directories(wk_bench_tokio INTERFACE "${_wk_tokio_src}")
target_compile_definitions(wk_bench_tokio INTERFACE WK_BENCH_TOKIO=1)
add_dependencies(wk_bench_tokio wk_bench_tokio_build)

# Fragments are included in name order, so tpc.cmake (which defines
# wk_tpc_bench) comes after this one: attach once the directory is read.
function(_wk_bench_tokio_attach)
  if(NOT TARGET wk_tpc_bench)
    message(STATUS "reference/bench: no wk_tpc_bench target; the tokio rows are unused")
    return()
  endif()
  target_link_libraries(wk_tpc_bench PRIVATE wk_bench_tokio)
  # Relink when the Rust library changes.
  set_property(TARGET wk_tpc_bench APPEND PROPERTY LINK_DEPENDS "${_wk_tokio_lib}")
endfunction()
cmake_language(DEFER CALL _wk_bench_tokio_attach)
