# reference/bench/join.cmake - wk_join_bench: the JoinWaker of seed 004, local
# join vs thread-safe join (see join_bench.c for what is measured and why the
# comparison is fair).  Included by reference/bench/CMakeLists.txt.
#
#   ./wk_join_bench            full run (a few seconds), table + ratios
#   ./wk_join_bench --quick    smoke run, rough figures (ctest bench.join_smoke)

if(TARGET wk_join)
  add_executable(wk_join_bench "${CMAKE_CURRENT_LIST_DIR}/join_bench.c")
  target_link_libraries(wk_join_bench PRIVATE wakerconf::wk_join)
  wk_bench_configure(wk_join_bench)

  if(BUILD_TESTING)
    if(NOT DEFINED WK_TEST_TIMEOUT_MULTIPLIER OR WK_TEST_TIMEOUT_MULTIPLIER STREQUAL "")
      set(_wk_join_bench_mult 1)
    else()
      set(_wk_join_bench_mult ${WK_TEST_TIMEOUT_MULTIPLIER})
    endif()
    math(EXPR _wk_join_bench_timeout "120 * ${_wk_join_bench_mult}")
    # Runs and checks its own bookkeeping (exit status); asserts no timing.
    add_test(NAME bench.join_smoke COMMAND wk_join_bench --quick)
    set_tests_properties(bench.join_smoke PROPERTIES
      TIMEOUT ${_wk_join_bench_timeout} LABELS bench)
  endif()
else()
  message(STATUS "reference/bench/join.cmake: no wk_join target; wk_join_bench skipped")
endif()
