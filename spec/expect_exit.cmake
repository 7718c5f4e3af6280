# spec/expect_exit.cmake - self-test of check_ids.cmake's exit status.
#
#   cmake -DTOOL=spec/check_ids.cmake -DFIXTURES=spec/fixtures -DPASSING=<case,...>
#         -DFAILING=<case,...> -P spec/expect_exit.cmake
#
# The per-case ctests assert the tool's messages with PASS_REGULAR_EXPRESSION, which makes ctest
# ignore the exit status; this script asserts the status itself: 0 for every passing fixture and
# non-zero for every failing one.
cmake_minimum_required(VERSION 3.19)

set(_bad "")
macro(_run case expect)
  execute_process(
    COMMAND "${CMAKE_COMMAND}" "-DSPEC_DIR=${FIXTURES}/${case}/spec" "-DSOURCE_DIR=${FIXTURES}/${case}"
            -P "${TOOL}"
    RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
  if("${expect}" STREQUAL "pass" AND NOT _rc EQUAL 0)
    string(APPEND _bad "  ${case}: expected exit status 0, got ${_rc}\n")
  elseif("${expect}" STREQUAL "fail" AND _rc EQUAL 0)
    string(APPEND _bad "  ${case}: expected a non-zero exit status, got 0\n")
  else()
    message(NOTICE "  ${case}: exit status ${_rc} (expected ${expect})")
  endif()
endmacro()

# Comma-separated on the command line: a ';' does not survive add_test's argument handling.
string(REPLACE "," ";" PASSING "${PASSING}")
string(REPLACE "," ";" FAILING "${FAILING}")
if(NOT PASSING OR NOT FAILING)
  message(FATAL_ERROR "give at least one PASSING and one FAILING fixture")
endif()
foreach(_c IN LISTS PASSING)
  _run("${_c}" pass)
endforeach()
foreach(_c IN LISTS FAILING)
  _run("${_c}" fail)
endforeach()
if(NOT _bad STREQUAL "")
  message(FATAL_ERROR "wrong exit status:\n${_bad}")
endif()
message(NOTICE "exit statuses as expected")
