# run_adapter.cmake - one ctest rust.<name>: run the harness on a Rust adapter and
# compare the outcome with the verdict CERTIFICATES.md records for it.
#
#   cmake -DWAKERCONF=<exe> -DADAPTER=<.so> -DNAME=<adapter name> -DPROFILE=<p>
#         -DSEED=<n> -DOUT=<dir> -DCERTIFICATES=<CERTIFICATES.md> -P run_adapter.cmake
#
# CERTIFICATES.md holds one table row per adapter and profile:
#   | <name> | <profile> | <exit> | <ids failed in every run> | <ids a run may also fail> |
# (ids separated by spaces, "-" for none).  The run must exit with <exit>, report every id
# of the fourth column failed, and no id outside the fourth and fifth.  So a bridge or
# harness regression (a new failure, a lost one, a crash) fails the test, and so does a
# fixed executor bug: then the certificate is out of date.
cmake_minimum_required(VERSION 3.25)

foreach(_v WAKERCONF ADAPTER NAME PROFILE SEED OUT CERTIFICATES)
  if(NOT DEFINED ${_v})
    message(FATAL_ERROR "run_adapter.cmake: -D${_v}=... is required")
  endif()
endforeach()

# ---- the recorded verdict -----------------------------------------------------------------
file(STRINGS "${CERTIFICATES}" _rows REGEX "^\\| *${NAME} *\\| *${PROFILE} *\\|")
list(LENGTH _rows _n)
if(NOT _n EQUAL 1)
  message(FATAL_ERROR "${CERTIFICATES}: expected one verdict row '| ${NAME} | ${PROFILE} | ...', found ${_n}")
endif()
string(REGEX REPLACE "^\\|(.*)\\| *$" "\\1" _row "${_rows}")
string(REPLACE "|" ";" _cols "${_row}")
list(GET _cols 2 _expect_exit)
list(GET _cols 3 _always)
list(GET _cols 4 _sometimes)
foreach(_v _expect_exit _always _sometimes)
  string(STRIP "${${_v}}" ${_v})
  if(${_v} STREQUAL "-")
    set(${_v} "")
  endif()
  string(REGEX REPLACE " +" ";" ${_v} "${${_v}}")
endforeach()

# ---- the run --------------------------------------------------------------------------------
if(PROFILE STREQUAL "asan")
  set(_which --adapter-asan "${ADAPTER}")
elseif(PROFILE STREQUAL "tsan")
  set(_which --adapter-tsan "${ADAPTER}")
else()
  set(_which --adapter "${ADAPTER}")
endif()
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
# --pressure: the same schedule pressure certify applies, so this is the certificate's run.
execute_process(
  COMMAND "${WAKERCONF}" run ${_which} --profile "${PROFILE}" --seed "${SEED}" --pressure
          --out "${OUT}" --quiet
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _stdout ERROR_VARIABLE _stderr)

# ---- the failed ids (as run_mutant.cmake reads them) ---------------------------------------
set(_failed "")
set(_nresults 0)
if(EXISTS "${OUT}/results.jsonl")
  file(READ "${OUT}/results.jsonl" _content)
  # Line by line without CMake lists: messages may hold ';' and brackets.
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
    string(JSON _status GET "${_line}" status)
    if(NOT _status STREQUAL "fail")
      continue()
    endif()
    string(JSON _nf ERROR_VARIABLE _err LENGTH "${_line}" failures)
    if(NOT _err AND _nf GREATER 0)
      math(EXPR _last "${_nf} - 1")
      foreach(_i RANGE ${_last})
        string(JSON _id GET "${_line}" failures ${_i} id)
        list(APPEND _failed "${_id}")
      endforeach()
    endif()
    string(JSON _charged ERROR_VARIABLE _err GET "${_line}" charged)
    if(NOT _err AND NOT _charged STREQUAL "" AND NOT _charged STREQUAL "null")
      list(APPEND _failed "${_charged}")
    endif()
  endwhile()
endif()
list(REMOVE_DUPLICATES _failed)
list(SORT _failed)

set(_problems "")
if(NOT _rc STREQUAL "${_expect_exit}")
  string(APPEND _problems "exit ${_rc}, recorded ${_expect_exit}. ")
endif()
if(_nresults EQUAL 0)
  string(APPEND _problems "no results in ${OUT}/results.jsonl. ")
endif()
foreach(_id IN LISTS _always)
  if(NOT _id IN_LIST _failed)
    string(APPEND _problems "${_id} did not fail (recorded as failing in every run). ")
  endif()
endforeach()
foreach(_id IN LISTS _failed)
  if(NOT _id IN_LIST _always AND NOT _id IN_LIST _sometimes)
    string(APPEND _problems "${_id} failed (not in the recorded verdict). ")
  endif()
endforeach()

string(REPLACE ";" " " _failed_str "${_failed}")
if(_failed_str STREQUAL "")
  set(_failed_str "none")
endif()
message("rust.${NAME}: profile ${PROFILE}, seed ${SEED}: exit ${_rc}, failed ids: ${_failed_str}, ${_nresults} results")
if(NOT _problems STREQUAL "")
  message("---- wakerconf stdout ----\n${_stdout}\n---- wakerconf stderr ----\n${_stderr}")
  message(FATAL_ERROR "rust.${NAME}: ${_problems}(CERTIFICATES.md, results in ${OUT})")
endif()
