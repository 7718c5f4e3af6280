# fuzz/tests/expect_oracle.cmake: run a replay build that must fail, and check why.
#   cmake -DCMD="prog;arg;..." -DEXPECT="regex" [-DENV="NAME=VALUE;..."] -P expect_oracle.cmake
# Passes when the program exits non-zero (an oracle's abort) and its output matches EXPECT
# (every regex of the list, in any order).  A program that passes, or fails for another
# reason, fails the test with its output.
foreach(_e ${ENV})
  string(REGEX MATCH "^([^=]+)=(.*)$" _m "${_e}")
  set(ENV{${CMAKE_MATCH_1}} "${CMAKE_MATCH_2}")
endforeach()
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "expected an oracle to fail, but the program passed:\n${all}")
endif()
foreach(_x ${EXPECT})
  if(NOT all MATCHES "${_x}")
    message(FATAL_ERROR "the program failed (${rc}) but its output has no '${_x}':\n${all}")
  endif()
endforeach()
message(STATUS "failed as expected (${rc}):\n${all}")
