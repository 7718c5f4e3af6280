# catch_mutant.cmake - run_mutant.cmake for a known-bad executor, with up to ATTEMPTS seeds.
#
# Some bugs are races whose window is nanoseconds wide (racy_notified: compio #948): any one
# seeded run catches them with high but not certain probability, exactly as a nightly
# campaign would see them.  The assertion is unchanged - the run must fail with EXPECT_ID -
# but a run that misses is retried with the next seed (SEED+1, SEED+2, ...), and the attempt
# that caught it is printed so the figure is honest.  A correct executor never goes through
# this script: reference modes and controls get exactly one run.
#
#   cmake <run_mutant.cmake arguments> -DATTEMPTS=<n> -DRUN_MUTANT=<path> -P catch_mutant.cmake
cmake_minimum_required(VERSION 3.25)

foreach(_v RUN_MUTANT ATTEMPTS SEED OUT WAKERCONF PROFILE EXPECT_EXIT EXPECT_ID LABEL)
  if(NOT DEFINED ${_v})
    message(FATAL_ERROR "catch_mutant.cmake: -D${_v}=... is required")
  endif()
endforeach()
set(_which "")
foreach(_v ADAPTER BUILTIN FILTER EXPECT_MSG FORBID_IDS NO_PASS)
  if(DEFINED ${_v})
    list(APPEND _which "-D${_v}=${${_v}}")
  endif()
endforeach()

math(EXPR _seed0 "${SEED}" OUTPUT_FORMAT HEXADECIMAL)
set(_attempt 1)
while(_attempt LESS_EQUAL ATTEMPTS)
  math(EXPR _seed "${SEED} + ${_attempt} - 1" OUTPUT_FORMAT HEXADECIMAL)
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -DWAKERCONF=${WAKERCONF} ${_which} -DPROFILE=${PROFILE}
            -DOUT=${OUT}/attempt${_attempt} -DSEED=${_seed} -DEXPECT_EXIT=${EXPECT_EXIT}
            -DEXPECT_ID=${EXPECT_ID} -DLABEL=${LABEL} -P "${RUN_MUTANT}"
    RESULT_VARIABLE _rc)
  if(_rc EQUAL 0)
    message(STATUS "${LABEL}: caught on attempt ${_attempt} of ${ATTEMPTS} (seed ${_seed})")
    return()
  endif()
  message(STATUS "${LABEL}: not caught with seed ${_seed} (attempt ${_attempt} of ${ATTEMPTS})")
  math(EXPR _attempt "${_attempt} + 1")
endwhile()
message(FATAL_ERROR "${LABEL}: NOT CAUGHT in ${ATTEMPTS} seeded runs from ${_seed0}: the "
  "checks for ${EXPECT_ID} miss this bug")
