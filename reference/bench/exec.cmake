# reference/bench/exec.cmake: wk_exec_bench, the same workloads through the same adapters
# (wkc/adapter.h) on the reference runtime and on the Rust executors of
# conformance/adapters/rust, in one run (exec_bench.c says what it measures).
# Included by reference/bench/CMakeLists.txt.
#
#   build-dir/reference/bench/wk_exec_bench            full run: table + ratios + verdicts
#   build-dir/reference/bench/wk_exec_bench --quick    smoke run (ctest bench.exec_smoke)
#   reference/bench/exec_compare.sh build-dir/reference/bench/wk_exec_bench
#       the full run with exact instructions per op (callgrind) beside the times
#
# The adapters are loaded with dlopen, as `wakerconf run --adapter` loads them: the
# program exports the wk API they resolve against, like the harness.  Their paths are
# known once conformance/ is configured (after this directory), so they are attached at
# the end of the top-level directory; an adapter that is not built leaves its rows out
# and the program says so.

if(NOT TARGET wk_tpc)
  return()
endif()

add_executable(wk_exec_bench "${CMAKE_CURRENT_LIST_DIR}/exec_bench.c")
target_include_directories(wk_exec_bench PRIVATE "${PROJECT_SOURCE_DIR}/harness/include")
# wk comes with wk_join (PUBLIC); naming it again would put it twice on the link line,
# whole-archived twice.
target_link_libraries(wk_exec_bench PRIVATE wk_join Threads::Threads ${CMAKE_DL_LIBS})
get_target_property(_wk_exec_bench_wk_type wk TYPE)
if(_wk_exec_bench_wk_type STREQUAL "STATIC_LIBRARY")
  # Every wk_ symbol, not only those the program itself calls: the adapters use more.
  set_property(TARGET wk_exec_bench PROPERTY LINK_LIBRARY_OVERRIDE_wk WHOLE_ARCHIVE)
endif()
set_target_properties(wk_exec_bench PROPERTIES ENABLE_EXPORTS ON)
wk_bench_configure(wk_exec_bench)

function(_wk_exec_bench_attach)
  set(_defs "")
  foreach(_pair "WK_EXEC_BENCH_REF|wkc_ref_tpc"
                "WK_EXEC_BENCH_TOKIO_CT|wkc_rust_tokio_current_thread"
                "WK_EXEC_BENCH_TOKIO_MT|wkc_rust_tokio_multi_thread"
                "WK_EXEC_BENCH_LOCAL_SET|wkc_rust_tokio_local_set"
                "WK_EXEC_BENCH_ASYNC_TASK|wkc_rust_async_task"
                "WK_EXEC_BENCH_LOCAL_POOL|wkc_rust_futures_local_pool")
    string(REPLACE "|" ";" _pair "${_pair}")
    list(GET _pair 0 _def)
    list(GET _pair 1 _target)
    if(TARGET ${_target})
      list(APPEND _defs "${_def}=\"$<TARGET_FILE:${_target}>\"")
      add_dependencies(wk_exec_bench ${_target})
    endif()
  endforeach()
  # The fan-in rows on FuturesUnordered / join_all call the Rust library directly.
  if(TARGET wkc_rust_executors)
    get_target_property(_so wkc_rust_executors IMPORTED_LOCATION)
    get_filename_component(_so_dir "${_so}" DIRECTORY)
    target_link_libraries(wk_exec_bench PRIVATE wkc_rust_executors)
    set_property(TARGET wk_exec_bench APPEND PROPERTY BUILD_RPATH "${_so_dir}")
    list(APPEND _defs WK_EXEC_BENCH_RUST_FANIN=1)
  endif()
  target_compile_definitions(wk_exec_bench PRIVATE ${_defs})
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL _wk_exec_bench_attach)

# Smoke test: every case runs briefly and performs its operations (the exit status
# says so); nothing about the figures is asserted.  Not in sanitizer builds nor under
# the Valgrind emulator: figures mean nothing there, and the adapters are judged by the
# conformance ctests of those presets (rust.*, reference.*).
if(BUILD_TESTING AND NOT WK_SANITIZE AND NOT CMAKE_CROSSCOMPILING_EMULATOR)
  add_test(NAME bench.exec_smoke COMMAND wk_exec_bench --quick)
  math(EXPR _wk_exec_bench_timeout "180 * ${WK_TEST_TIMEOUT_MULTIPLIER}")
  set_tests_properties(bench.exec_smoke PROPERTIES TIMEOUT ${_wk_exec_bench_timeout}
    LABELS bench FAIL_REGULAR_EXPRESSION "did not perform|case not run")
endif()
