# conformance/tests/tags_match.cmake - every check of check_list.h has a function
# wkc_chk_<fn> in an exec_*.c file, directly preceded by a tag line
#     /* @proves <ids> */
# naming exactly the ids of its check_list.h line (same ids, same order), and no exec_*.c
# defines a check the list does not name.
#
#   cmake -DTESTS_DIR=conformance/tests -P conformance/tests/tags_match.cmake

if(NOT TESTS_DIR)
  set(TESTS_DIR "${CMAKE_CURRENT_LIST_DIR}")
endif()

file(READ "${TESTS_DIR}/check_list.h" _list)
string(REGEX MATCHALL "\nWKC_CHECK\\([a-z0-9_]+, *\"[^\"]*\", *\"[^\"]*\"" _entries "${_list}")

set(_sources "")
file(GLOB _files "${TESTS_DIR}/exec_*.c")
foreach(_f IN LISTS _files)
  file(READ "${_f}" _c)
  string(APPEND _sources "${_c}\n")
endforeach()

set(_errors 0)
set(_listed "")
foreach(_e IN LISTS _entries)
  string(REGEX REPLACE "^\nWKC_CHECK\\(([a-z0-9_]+), *\"([^\"]*)\", *\"([^\"]*)\"$" "\\1" _fn "${_e}")
  string(REGEX REPLACE "^\nWKC_CHECK\\(([a-z0-9_]+), *\"([^\"]*)\", *\"([^\"]*)\"$" "\\2" _name "${_e}")
  string(REGEX REPLACE "^\nWKC_CHECK\\(([a-z0-9_]+), *\"([^\"]*)\", *\"([^\"]*)\"$" "\\3" _ids "${_e}")
  list(APPEND _listed "${_fn}")
  string(REGEX MATCH "/\\* @proves ([^*]*) \\*/\nvoid wkc_chk_${_fn}\\(" _m "${_sources}")
  if(_m STREQUAL "")
    message(NOTICE "error: ${_name}: no 'void wkc_chk_${_fn}(' directly after a /* @proves ... */ line")
    math(EXPR _errors "${_errors} + 1")
    continue()
  endif()
  string(REGEX REPLACE "^/\\* @proves ([^*]*) \\*/\n.*$" "\\1" _tag "${_m}")
  string(STRIP "${_tag}" _tag)
  if(NOT _tag STREQUAL _ids)
    message(NOTICE "error: ${_name}: tag names '${_tag}' but check_list.h says '${_ids}'")
    math(EXPR _errors "${_errors} + 1")
  else()
    message(NOTICE "ok: ${_name}: ${_ids}")
  endif()
endforeach()

string(REGEX MATCHALL "\nvoid wkc_chk_[a-z0-9_]+\\(" _defined "${_sources}")
foreach(_d IN LISTS _defined)
  string(REGEX REPLACE "^\nvoid wkc_chk_([a-z0-9_]+)\\($" "\\1" _fn "${_d}")
  list(FIND _listed "${_fn}" _i)
  if(_i EQUAL -1)
    message(NOTICE "error: wkc_chk_${_fn} is defined but not listed in check_list.h")
    math(EXPR _errors "${_errors} + 1")
  endif()
endforeach()

list(LENGTH _listed _n)
if(_n EQUAL 0)
  message(FATAL_ERROR "no WKC_CHECK line found in ${TESTS_DIR}/check_list.h")
endif()
if(_errors GREATER 0)
  message(FATAL_ERROR "${_errors} mismatch(es) between check_list.h and the @proves tags")
endif()
message(NOTICE "PASS: ${_n} checks, each tagged with exactly its ids")
