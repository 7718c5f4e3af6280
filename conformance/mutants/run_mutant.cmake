# run_mutant.cmake - one ctest of conformance/mutants: run the harness against an executor
# and judge the outcome from its exit status and its results file.
#
#   cmake -DWAKERCONF=<exe> (-DADAPTER=<.so> | -DBUILTIN=<name>) -DPROFILE=<p> -DOUT=<dir>
#         -DSEED=<n> -DEXPECT_EXIT=<0|1> [-DEXPECT_ID=<WK-...>] -DLABEL=<name>
#         [-DFILTER=<globs>] [-DEXPECT_MSG=<regex>] [-DFORBID_IDS=<regex>] [-DNO_PASS=ON]
#         -P run_mutant.cmake
#
# FILTER runs only those checks.  EXPECT_MSG: some failure of EXPECT_ID has a message
# matching it.  FORBID_IDS: no failed or charged id matches it (an adapter-contract fault
# must not be charged to an executor requirement).  NO_PASS: no check passed (an executor
# that never polls must not get a single PASS).
#
# EXPECT_EXIT 1 with EXPECT_ID: the executor is known bad; the run must fail (exit 1) AND
# report EXPECT_ID failed in OUT/results.jsonl (a result with status "fail" naming the id
# among its failures, or charged with it after an abnormal end).  EXPECT_EXIT 0: every MUST
# requirement passes.  Either way the script prints how long the run took and, for a
# mutant, which check caught it first (in the order results were written) and that check's
# own time.  Checks may run in parallel (--jobs), so check times do not add up to the wall
# time of the run.
#
# Nothing here knows what a mutant is: the harness gets an adapter path and a seed.
cmake_minimum_required(VERSION 3.25)

foreach(_v WAKERCONF PROFILE OUT SEED EXPECT_EXIT LABEL)
  if(NOT DEFINED ${_v})
    message(FATAL_ERROR "run_mutant.cmake: -D${_v}=... is required")
  endif()
endforeach()
if(DEFINED ADAPTER)
  # The sanitizer profiles take the instrumented build of an adapter through their own
  # option; in a sanitizer build tree the adapter is that build.
  if(PROFILE STREQUAL "asan")
    set(_which --adapter-asan "${ADAPTER}")
  elseif(PROFILE STREQUAL "tsan")
    set(_which --adapter-tsan "${ADAPTER}")
  else()
    set(_which --adapter "${ADAPTER}")
  endif()
elseif(DEFINED BUILTIN)
  set(_which --builtin "${BUILTIN}")
else()
  message(FATAL_ERROR "run_mutant.cmake: give -DADAPTER=<.so> or -DBUILTIN=<name>")
endif()

# A fresh directory: results.jsonl of an earlier run would be resumed, not replaced.
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")

string(TIMESTAMP _t0 "%s.%f" UTC)
set(_filter "")
if(DEFINED FILTER AND NOT FILTER STREQUAL "")
  set(_filter --filter "${FILTER}")
endif()
execute_process(
  COMMAND "${WAKERCONF}" run ${_which} --profile "${PROFILE}" --seed "${SEED}" --out "${OUT}"
          --quiet ${_filter}
  RESULT_VARIABLE _rc
  OUTPUT_VARIABLE _stdout
  ERROR_VARIABLE _stderr)
string(TIMESTAMP _t1 "%s.%f" UTC)
string(REPLACE "." "" _u0 "${_t0}")
string(REPLACE "." "" _u1 "${_t1}")
math(EXPR _wall_ms "(${_u1} - ${_u0}) / 1000")

# ---- read the results: every line a JSON object ---------------------------------------
set(_results "${OUT}/results.jsonl")
set(_failed_ids "")
set(_caught_by "")
set(_caught_ms "")
set(_caught_index "")
set(_nresults 0)
set(_npass 0)
set(_msg_seen FALSE)
if(EXISTS "${_results}")
  file(READ "${_results}" _content)
  # Walk line by line without CMake lists: messages may hold ';' and brackets.
  while(NOT _content STREQUAL "")
    string(FIND "${_content}" "\n" _nl)
    if(_nl EQUAL -1)
      set(_line "${_content}")
      set(_content "")
    else()
      string(SUBSTRING "${_content}" 0 ${_nl} _line)
      math(EXPR _next "${_nl} + 1")
      string(SUBSTRING "${_content}" ${_next} -1 _content)
    endif()
    string(JSON _type ERROR_VARIABLE _err GET "${_line}" type)
    if(_err OR NOT _type STREQUAL "result")
      continue()
    endif()
    math(EXPR _nresults "${_nresults} + 1")
    string(JSON _check GET "${_line}" check)
    string(JSON _status GET "${_line}" status)
    string(JSON _ms ERROR_VARIABLE _err GET "${_line}" ms)
    if(_err)
      set(_ms "?")
    else()
      string(REGEX REPLACE "^([0-9]+)(\\.[0-9])?.*$" "\\1\\2" _ms "${_ms}")
    endif()
    if(_status STREQUAL "pass")
      math(EXPR _npass "${_npass} + 1")
    endif()
    if(NOT _status STREQUAL "fail")
      continue()
    endif()
    set(_ids_here "")
    string(JSON _nf ERROR_VARIABLE _err LENGTH "${_line}" failures)
    if(NOT _err AND _nf GREATER 0)
      math(EXPR _last "${_nf} - 1")
      foreach(_i RANGE ${_last})
        string(JSON _id GET "${_line}" failures ${_i} id)
        list(APPEND _ids_here "${_id}")
        if(DEFINED EXPECT_MSG AND DEFINED EXPECT_ID AND _id STREQUAL EXPECT_ID)
          string(JSON _msg GET "${_line}" failures ${_i} msg)
          if(_msg MATCHES "${EXPECT_MSG}")
            set(_msg_seen TRUE)
          endif()
        endif()
      endforeach()
    endif()
    string(JSON _charged ERROR_VARIABLE _err GET "${_line}" charged)
    if(NOT _err AND NOT _charged STREQUAL "" AND NOT _charged STREQUAL "null")
      list(APPEND _ids_here "${_charged}")
    endif()
    list(APPEND _failed_ids ${_ids_here})
    if(DEFINED EXPECT_ID AND _caught_by STREQUAL "" AND "${EXPECT_ID}" IN_LIST _ids_here)
      set(_caught_by "${_check}")
      set(_caught_ms "${_ms}")
      set(_caught_index "${_nresults}")
    endif()
  endwhile()
endif()
list(REMOVE_DUPLICATES _failed_ids)
list(SORT _failed_ids)
string(REPLACE ";" " " _failed_str "${_failed_ids}")
if(_failed_str STREQUAL "")
  set(_failed_str "none")
endif()

# ---- verdict ---------------------------------------------------------------------------
set(_problems "")
if(NOT _rc STREQUAL "${EXPECT_EXIT}")
  string(APPEND _problems "exit status ${_rc}, expected ${EXPECT_EXIT}. ")
endif()
if(_nresults EQUAL 0)
  string(APPEND _problems "no results in ${_results}. ")
endif()
if(DEFINED EXPECT_ID AND _caught_by STREQUAL "")
  string(APPEND _problems "${EXPECT_ID} is not reported failed. ")
endif()
if(DEFINED EXPECT_MSG AND NOT _msg_seen)
  string(APPEND _problems "no failure of ${EXPECT_ID} says '${EXPECT_MSG}'. ")
endif()
if(DEFINED FORBID_IDS)
  foreach(_id IN LISTS _failed_ids)
    if(_id MATCHES "${FORBID_IDS}")
      string(APPEND _problems "${_id} was failed or charged (must not match ${FORBID_IDS}). ")
    endif()
  endforeach()
endif()
if(NO_PASS AND _npass GREATER 0)
  string(APPEND _problems "${_npass} checks passed; none may. ")
endif()

if(DEFINED EXPECT_ID)
  if(_caught_by STREQUAL "")
    message("${LABEL}: profile ${PROFILE}: NOT CAUGHT with ${EXPECT_ID}; exit ${_rc}; "
            "failed ids: ${_failed_str}; run ${_wall_ms} ms")
  else()
    message("${LABEL}: profile ${PROFILE}: caught: ${EXPECT_ID} failed by ${_caught_by} "
            "(result ${_caught_index} of ${_nresults}, ${_caught_ms} ms); exit ${_rc}; "
            "failed ids: ${_failed_str}; run ${_wall_ms} ms")
  endif()
else()
  message("${LABEL}: profile ${PROFILE}: exit ${_rc}; failed ids: ${_failed_str}; "
          "run ${_wall_ms} ms, ${_nresults} results")
endif()

if(NOT _problems STREQUAL "")
  message("---- wakerconf stdout ----\n${_stdout}\n---- wakerconf stderr ----\n${_stderr}")
  message(FATAL_ERROR "${LABEL}: ${_problems}(results: ${_results})")
endif()
