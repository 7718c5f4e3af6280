# Driver of the package.* ctests (cmake -P, so no tool beyond CMake is needed).
#
#   -DWK_SETTINGS=<build>/tests/package/settings.cmake   what to install and how to compile
#   -DWK_CONFIG=<config>                                   the build configuration
#   -DWK_MODE=install      install the build tree into <build>/tests/package/prefix
#   -DWK_MODE=cmake        build the consumer with find_package(wakerconf) and run it
#   -DWK_MODE=pkgconfig    build the consumer with `cc $(pkg-config --cflags --libs wakerconf)`
#                          and run it

cmake_minimum_required(VERSION 3.25)

if(NOT WK_SETTINGS OR NOT WK_MODE)
  message(FATAL_ERROR "package_test: usage: cmake -DWK_SETTINGS=... -DWK_MODE=install|cmake|pkgconfig -P package_test.cmake")
endif()
include("${WK_SETTINGS}")

set(prefix "${WK_WORK_DIR}/prefix")
if(WK_CONFIG)
  set(config "${WK_CONFIG}")
else()
  set(config "${WK_BUILD_TYPE}")
endif()

# Run a command; stop with its output when it fails.
function(run what)
  execute_process(COMMAND ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "package_test: ${what} failed (${rc})\n  command: ${cmd}\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

# Run the consumer the way ctest runs any test executable of this build: through the
# emulator when there is one (Valgrind with --error-exitcode in the valgrind preset).
function(run_consumer exe)
  execute_process(COMMAND ${WK_EMULATOR} "${exe}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "package_test: the consumer ${exe} exited with ${rc}")
  endif()
  if(NOT out MATCHES "wakerconf consumer: ok")
    message(FATAL_ERROR "package_test: the consumer did not report success")
  endif()
endfunction()

if(NOT EXISTS "${prefix}/${WK_INSTALL_LIBDIR}/cmake/wakerconf/wakerconfConfig.cmake"
   AND NOT WK_MODE STREQUAL "install")
  message(FATAL_ERROR "package_test: nothing installed in ${prefix}: run the package.install test first")
endif()

if(WK_MODE STREQUAL "install")
  # Start empty so a file the build no longer installs cannot make a consumer pass.
  file(REMOVE_RECURSE "${prefix}")
  set(cfg_args "")
  if(config)
    set(cfg_args --config "${config}")
  endif()
  run("cmake --install" "${CMAKE_COMMAND}" --install "${WK_BUILD_DIR}" --prefix "${prefix}" ${cfg_args})
  foreach(f
      "include/wk/wk.h"
      "include/wk/config.h"
      "${WK_INSTALL_LIBDIR}/cmake/wakerconf/wakerconfConfig.cmake"
      "${WK_INSTALL_LIBDIR}/cmake/wakerconf/wakerconfConfigVersion.cmake"
      "${WK_INSTALL_LIBDIR}/cmake/wakerconf/wakerconfTargets.cmake"
      "${WK_INSTALL_LIBDIR}/pkgconfig/wakerconf.pc")
    if(NOT EXISTS "${prefix}/${f}")
      message(FATAL_ERROR "package_test: ${f} is missing from the installed tree ${prefix}")
    endif()
  endforeach()
  if(EXISTS "${prefix}/include/wk/config.h.in")
    message(FATAL_ERROR "package_test: the template config.h.in was installed")
  endif()
  file(GLOB libs "${prefix}/${WK_INSTALL_LIBDIR}/libwakerconf.*")
  if(NOT libs)
    message(FATAL_ERROR "package_test: no libwakerconf in ${prefix}/${WK_INSTALL_LIBDIR}")
  endif()
  message("package_test: installed into ${prefix}")

elseif(WK_MODE STREQUAL "cmake")
  # @proves WK-PKG-001
  set(bin "${WK_WORK_DIR}/consumer-cmake")
  file(REMOVE_RECURSE "${bin}")
  set(gen_args -G "${WK_GENERATOR}")
  if(WK_MAKE_PROGRAM)
    list(APPEND gen_args "-DCMAKE_MAKE_PROGRAM=${WK_MAKE_PROGRAM}")
  endif()
  run("configuring the consumer" "${CMAKE_COMMAND}" -S "${WK_CONSUMER_SOURCE_DIR}" -B "${bin}"
    ${gen_args}
    "-DCMAKE_BUILD_TYPE=${config}"
    "-DCMAKE_C_COMPILER=${WK_C_COMPILER}"
    "-DCMAKE_C_FLAGS=${WK_C_FLAGS}"
    "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
  # The package must come from the prefix just installed, not from a system copy.
  file(STRINGS "${bin}/CMakeCache.txt" found_dir REGEX "^wakerconf_DIR:")
  string(REGEX REPLACE "^wakerconf_DIR:[A-Z]+=" "" found_dir "${found_dir}")
  file(REAL_PATH "${found_dir}" found_dir)
  file(REAL_PATH "${prefix}" real_prefix)
  string(FIND "${found_dir}" "${real_prefix}/" at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "package_test: find_package used ${found_dir}, not the package in ${prefix}")
  endif()
  set(cfg_args "")
  if(config)
    set(cfg_args --config "${config}")
  endif()
  run("building the consumer" "${CMAKE_COMMAND}" --build "${bin}" ${cfg_args})
  file(GLOB_RECURSE exe LIST_DIRECTORIES false "${bin}/wk_consumer" "${bin}/*/wk_consumer")
  list(GET exe 0 exe)
  run_consumer("${exe}")

elseif(WK_MODE STREQUAL "pkgconfig")
  # @proves WK-PKG-002
  if(NOT WK_PKG_CONFIG)
    message("package_test: SKIP: pkg-config was not found when the build was configured "
            "(bash scripts/setup.sh installs it)")
    return()
  endif()
  set(ENV{PKG_CONFIG_PATH} "${prefix}/${WK_INSTALL_LIBDIR}/pkgconfig")
  run("pkg-config --modversion" "${WK_PKG_CONFIG}" --modversion wakerconf)
  string(STRIP "${run_output}" pc_version)
  if(NOT pc_version STREQUAL WK_VERSION)
    message(FATAL_ERROR "package_test: wakerconf.pc says version ${pc_version}, the build is ${WK_VERSION}")
  endif()
  run("pkg-config --cflags --libs" "${WK_PKG_CONFIG}" --cflags --libs wakerconf)
  separate_arguments(pc_args UNIX_COMMAND "${run_output}")
  separate_arguments(flags UNIX_COMMAND "${WK_C_FLAGS}")
  set(bin "${WK_WORK_DIR}/consumer-pkgconfig")
  file(REMOVE_RECURSE "${bin}")
  file(MAKE_DIRECTORY "${bin}")
  # The consumer's own warning set: the public headers must compile cleanly in a third
  # party's strict build, not only in ours.
  run("compiling the consumer" "${WK_C_COMPILER}" ${flags} -std=c11 -O1 -g
    -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
    -o "${bin}/wk_consumer" "${WK_CONSUMER_SOURCE_DIR}/main.c" ${pc_args})
  # pkg-config gives no run path: with a shared libwakerconf (BUILD_SHARED_LIBS=ON) the
  # loader must be told where the prefix is, as any user of a private prefix does.
  set(ENV{LD_LIBRARY_PATH} "${prefix}/${WK_INSTALL_LIBDIR}:$ENV{LD_LIBRARY_PATH}")
  run_consumer("${bin}/wk_consumer")

else()
  message(FATAL_ERROR "package_test: unknown WK_MODE '${WK_MODE}'")
endif()
