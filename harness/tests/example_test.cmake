# harness.example: build harness/examples/minimal_adapter against the installed package
# (the prefix tests/package installs into) and run the installed wakerconf on it, with no
# LD_LIBRARY_PATH: in a shared build (the shared preset) that is the RUNPATH requirement.
# @proves WK-PKG-004 WK-PKG-003
#   cmake -DWKC_SETTINGS=<build>/harness/tests/example_settings.cmake -DWKC_CONFIG=<cfg>
#         -P example_test.cmake
cmake_minimum_required(VERSION 3.25)
include("${WKC_SETTINGS}")
# The installed programs must find their libraries on their own (WK-PKG-003).
unset(ENV{LD_LIBRARY_PATH})

set(prefix "${WKC_PREFIX}")
set(config "${WKC_CONFIG}")
if(NOT config)
  set(config "${WKC_BUILD_TYPE}")
endif()
set(wakerconf "${prefix}/${WKC_INSTALL_BINDIR}/wakerconf")

if(NOT EXISTS "${prefix}/${WKC_INSTALL_LIBDIR}/cmake/wakerconf/wakerconfConfig.cmake")
  message("example_test: SKIP: nothing installed in ${prefix} (the package.install test installs it)")
  return()
endif()
foreach(f "include/wkc/adapter.h" "${WKC_INSTALL_BINDIR}/wakerconf")
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "example_test: ${f} is missing from the installed tree ${prefix}")
  endif()
endforeach()
foreach(f "include/wkc/check.h" "include/wkc/registry.h")
  if(EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "example_test: the internal header ${f} was installed")
  endif()
endforeach()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "example_test: ${what} failed (${rc})\n  command: ${cmd}\n${out}\n${err}")
  endif()
  set(run_output "${out}${err}" PARENT_SCOPE)
endfunction()

set(bin "${WKC_WORK_DIR}/build")
file(REMOVE_RECURSE "${WKC_WORK_DIR}")
set(gen_args -G "${WKC_GENERATOR}")
if(WKC_MAKE_PROGRAM)
  list(APPEND gen_args "-DCMAKE_MAKE_PROGRAM=${WKC_MAKE_PROGRAM}")
endif()
run("configuring the example" "${CMAKE_COMMAND}" -S "${WKC_EXAMPLE_SOURCE_DIR}" -B "${bin}"
  ${gen_args}
  "-DCMAKE_BUILD_TYPE=${config}"
  "-DCMAKE_C_COMPILER=${WKC_C_COMPILER}"
  "-DCMAKE_C_FLAGS=${WKC_C_FLAGS}"
  "-DCMAKE_PREFIX_PATH=${prefix}"
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
set(cfg_args "")
if(config)
  set(cfg_args --config "${config}")
endif()
run("building the example" "${CMAKE_COMMAND}" --build "${bin}" ${cfg_args})
file(GLOB_RECURSE lib LIST_DIRECTORIES false "${bin}/libminimal_adapter.so")
if(NOT lib)
  message(FATAL_ERROR "example_test: the build made no libminimal_adapter.so")
endif()
list(GET lib 0 lib)

# The installed harness loads it ...
run("wakerconf adapters --adapter" "${wakerconf}" adapters --adapter "${lib}")
if(NOT run_output MATCHES "minimal")
  message(FATAL_ERROR "example_test: `adapters --adapter` did not describe the example:\n${run_output}")
endif()
# ... and the example passes every MUST requirement that applies to it.
run("wakerconf run on the example" "${wakerconf}" run --adapter "${lib}"
  --out "${WKC_WORK_DIR}/results" --quiet --jobs 2)
message("${run_output}")
message("example_test: the installed wakerconf certifies the example under the default profile")
