# ctest bench.api_smoke: wk_bench --quick runs, exits 0 and prints its table;
# --json prints a parseable object with every case and ratio; --help and a
# bad option behave; --instr FILE prints callgrind counts beside the times.
# No assertion on any timing figure.
# Usage: cmake -DBENCH=/path/to/wk_bench -P api_smoke.cmake

if(NOT BENCH)
  message(FATAL_ERROR "api_smoke.cmake: pass -DBENCH=<path to wk_bench>")
endif()

function(run_bench expect_rc out_var)
  execute_process(COMMAND "${BENCH}" ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc STREQUAL "${expect_rc}")
    message(FATAL_ERROR "wk_bench ${ARGN}: exit ${rc}, expected ${expect_rc}\n"
                        "stdout:\n${out}\nstderr:\n${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

# The table.
run_bench(0 table --quick)
message(STATUS "wk_bench --quick:\n${table}")
foreach(needle
    "min ns/op" "median ns/op" "x floor"
    "bare non-atomic inc+dec" "bare atomic inc+dec" "FLOOR: 2 indirect calls"
    "local waker clone+drop" "waker clone+drop (wk_wake)"
    "local waker wake_by_ref" "waker wake_by_ref (wk_wake)"
    "context build" "flag waker wake_by_ref" "slot-table waker wake_by_ref")
  string(FIND "${table}" "${needle}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "wk_bench --quick: the table has no \"${needle}\"")
  endif()
endforeach()
set(num "[0-9]+\\.[0-9]+")
if(NOT table MATCHES "local clone\\+drop / floor +${num}x +${num}x +${num}x +<= 1\\.50x +(PASS|MISS)")
  message(FATAL_ERROR "wk_bench --quick: no verdict line for local clone+drop / floor")
endif()
if(NOT table MATCHES "waker clone\\+drop / local clone\\+drop +${num}x +${num}x +${num}x +>= 4\\.00x +(PASS|MISS)")
  message(FATAL_ERROR "wk_bench --quick: no verdict line for waker / local clone+drop")
endif()

# The JSON: parse it with CMake's own parser.
run_bench(0 json --quick --json)
string(JSON ncases ERROR_VARIABLE jerr LENGTH "${json}" cases)
if(jerr)
  message(FATAL_ERROR "wk_bench --quick --json: not JSON (${jerr}):\n${json}")
endif()
if(NOT ncases EQUAL 10)
  message(FATAL_ERROR "wk_bench --quick --json: ${ncases} cases, expected 10")
endif()
math(EXPR last "${ncases} - 1")
foreach(i RANGE ${last})
  string(JSON name GET "${json}" cases ${i} name)
  string(JSON minv GET "${json}" cases ${i} min)
  string(JSON ops GET "${json}" cases ${i} total_ops)
  if(NOT minv MATCHES "^${num}$" OR ops LESS_EQUAL 0)
    message(FATAL_ERROR "wk_bench --json: case ${name} has min=${minv} total_ops=${ops}")
  endif()
endforeach()
string(JSON verdict GET "${json}" ratios 0 verdict)
if(NOT verdict MATCHES "^(PASS|MISS)$")
  message(FATAL_ERROR "wk_bench --json: first ratio verdict is '${verdict}'")
endif()

# One case alone (the callgrind mode), --help, and a bad option.
run_bench(0 one --quick --json --case floor)
string(JSON ncases LENGTH "${one}" cases)
if(NOT ncases EQUAL 1)
  message(FATAL_ERROR "wk_bench --case floor: ${ncases} cases, expected 1")
endif()
run_bench(0 help --help)
if(NOT help MATCHES "usage: ")
  message(FATAL_ERROR "wk_bench --help: no usage line")
endif()
run_bench(2 bad --no-such-option)
run_bench(2 bad --case no_such_case)

# --instr FILE: instruction counts beside the times, and each ratio's
# instruction ratio; a header line and unknown cases are skipped; a missing
# file is an error, not a table without the column.
set(instr_file "${CMAKE_CURRENT_BINARY_DIR}/api_smoke_instr.txt")
file(WRITE "${instr_file}" "case instr/op\nfloor 6.0\nbare_inc_dec 3.0\nno_such_case 9.0\n")
run_bench(0 instr --quick --case floor --case bare_inc_dec --instr "${instr_file}")
if(NOT instr MATCHES "instr/op" OR NOT instr MATCHES "FLOOR: 2 indirect calls \\(inc, dec\\) +${num} +${num} +${num} +6\\.0")
  message(FATAL_ERROR "wk_bench --instr: no instr/op column with 6.0 for floor:\n${instr}")
endif()
if(NOT instr MATCHES "floor / bare inc\\+dec \\(cost of the calls\\) +${num}x +${num}x +${num}x +- +info +2\\.00x")
  message(FATAL_ERROR "wk_bench --instr: no instruction ratio 2.00x for floor / bare inc+dec:\n${instr}")
endif()
run_bench(0 instr_json --quick --json --case floor --case bare_inc_dec --instr "${instr_file}")
string(JSON iv GET "${instr_json}" cases 1 instr_per_op)
if(NOT iv MATCHES "^6\\.0+$")
  message(FATAL_ERROR "wk_bench --instr --json: floor instr_per_op is '${iv}'")
endif()
run_bench(2 no_instr --quick --case floor --instr "${CMAKE_CURRENT_BINARY_DIR}/no-such-file")
file(REMOVE "${instr_file}")
