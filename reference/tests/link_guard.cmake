# link_guard.cmake - the link-time half of WK-CHECK-004: a translation unit
# compiled with WK_CHECKED=1 references wk_abi_checked, which only a checked
# library defines, so linking it against the unchecked library must fail,
# and the error must name wk_abi_checked.  A control build of the same
# program with WK_CHECKED=0 must link, so the failure is the guard's and not
# a broken command line.
#
# /* @proves WK-CHECK-004 */
#
#   cmake -DCC=<compiler> -DLIB=<path of libwk_unchecked.a> -DINCLUDES=<dir|dir|...>
#         -DFLAGS=<flag|flag|...> -DWORK_DIR=<scratch dir> -P link_guard.cmake

foreach(_var CC LIB INCLUDES WORK_DIR)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "link_guard: -D${_var}=... is required")
  endif()
endforeach()

string(REPLACE "|" ";" _includes "${INCLUDES}")
string(REPLACE "|" ";" _flags "${FLAGS}")
list(FILTER _flags EXCLUDE REGEX "^$")
set(_include_args "")
foreach(_dir IN LISTS _includes)
  if(NOT _dir STREQUAL "")
    list(APPEND _include_args "-I${_dir}")
  endif()
endforeach()

file(MAKE_DIRECTORY "${WORK_DIR}")
set(_src "${WORK_DIR}/link_guard_probe.c")
file(WRITE "${_src}" [=[
/* Uses the API so the program needs the library, whatever WK_CHECKED is. */
#include "wk/wk.h"

int main(void)
{
	wk_waker w = wk_waker_clone(wk_waker_noop());
	wk_waker_drop(&w);
	return 0;
}
]=])

function(_link_probe checked out_result out_text)
  execute_process(
    COMMAND "${CC}" ${_flags} -DWK_CHECKED=${checked} ${_include_args} "${_src}" "${LIB}" -pthread
            -o "${WORK_DIR}/link_guard_probe_${checked}"
    RESULT_VARIABLE _rc
    OUTPUT_VARIABLE _out
    ERROR_VARIABLE _out)
  set(${out_result} "${_rc}" PARENT_SCOPE)
  set(${out_text} "${_out}" PARENT_SCOPE)
endfunction()

_link_probe(0 _control_rc _control_text)
if(NOT _control_rc EQUAL 0)
  message(FATAL_ERROR "link_guard: the control build (WK_CHECKED=0 against the unchecked "
                      "library) failed, so the check proves nothing:\n${_control_text}")
endif()

_link_probe(1 _guard_rc _guard_text)
if(_guard_rc EQUAL 0)
  message(FATAL_ERROR "link_guard: a WK_CHECKED=1 program linked against the unchecked "
                      "library; the ABI guard did not fire")
endif()
if(NOT _guard_text MATCHES "wk_abi_checked")
  message(FATAL_ERROR "link_guard: the WK_CHECKED=1 link failed, but not because of "
                      "wk_abi_checked:\n${_guard_text}")
endif()
message(STATUS "link_guard: control linked; the checked program failed to link naming "
               "wk_abi_checked, as required")
