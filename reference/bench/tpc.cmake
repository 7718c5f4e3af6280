# reference/bench/tpc.cmake: wk_tpc_bench, throughput of the reference
# thread-per-core runtime (reference/tpc).  Included by reference/bench/CMakeLists.txt.
#
#   build-dir/reference/bench/wk_tpc_bench            full run: table + ratios
#   build-dir/reference/bench/wk_tpc_bench --quick    smoke run (ctest bench.tpc_smoke)

if(TARGET wk_tpc)
  add_executable(wk_tpc_bench "${CMAKE_CURRENT_LIST_DIR}/tpc_bench.c")
  target_link_libraries(wk_tpc_bench PRIVATE wakerconf::wk_tpc)
  wk_bench_configure(wk_tpc_bench)

  if(BUILD_TESTING)
    # Runs every case briefly; the program exits non-zero when a case did not
    # perform the operations it reports (its exit status decides; no
    # PASS_REGULAR_EXPRESSION, which would make ctest ignore it).  Nothing is
    # asserted about the figures.
    add_test(NAME bench.tpc_smoke COMMAND wk_tpc_bench --quick)
    set_tests_properties(bench.tpc_smoke PROPERTIES
      TIMEOUT 120 LABELS bench
      FAIL_REGULAR_EXPRESSION "did not perform|case not run")
  endif()
endif()
