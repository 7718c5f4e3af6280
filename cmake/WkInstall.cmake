# Install rules and the exported package: a CMake package `wakerconf` (targets in the
# namespace wakerconf::) and a pkg-config file wakerconf.pc.
#
# Included LAST by the top-level CMakeLists.txt, after every part has been added: the
# export set must be complete when install(EXPORT) is declared.
#
# HOW A PART JOINS THE EXPORT SET
#   In the part's own CMakeLists.txt (the target wk_foo is an example):
#
#     target_include_directories(wk_foo PUBLIC
#       $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>)
#     install(TARGETS wk_foo EXPORT wakerconfTargets
#       ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
#       LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
#       RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
#       INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
#     install(FILES include/wk/foo.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wk)
#     add_library(wakerconf::wk_foo ALIAS wk_foo)   # same name in the tree and installed
#
#   Rules the export imposes (CMake stops at generate time when one is broken):
#   - Paths into the source or build tree in an INTERFACE property go inside
#     $<BUILD_INTERFACE:...>; the installed location comes from INCLUDES DESTINATION.
#   - Every target an exported target links must be exported as well, even a PRIVATE
#     dependency of a static library (CMake records it as $<LINK_ONLY:...> for the final
#     link). External dependencies must be imported targets that wakerconfConfig.cmake.in
#     finds with find_dependency (today: Threads only); add a line there for a new one.
#   - Header-only targets (the harness ABI headers in include/wkc/) join the same way as an
#     INTERFACE library; their headers are installed with install(FILES ...).
#   - Warning and sanitizer flags are directory-wide (WkCompileOptions.cmake), so they never
#     reach an exported target: a consumer chooses its own.
#
#   The ctests package.* (tests/package) install the build tree into a private prefix and
#   build a consumer with find_package and with pkg-config: run ctest -R '^package\.'.

include(CMakePackageConfigHelpers)

set(WK_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/wakerconf")
set(WK_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

if(NOT TARGET wk)
  message(FATAL_ERROR "WkInstall: the reference library target 'wk' does not exist "
                      "(reference/CMakeLists.txt defines it)")
endif()

# ---- the reference library --------------------------------------------------
# Installed as libwakerconf: "wk" alone is too short a name for a system library directory.
# (reference/CMakeLists.txt says the same; the package files below depend on it.)
set_target_properties(wk PROPERTIES OUTPUT_NAME wakerconf)

# An exported target must not carry build-tree include paths: wrap any plain path in
# $<BUILD_INTERFACE:...> (a no-op when the reference already does so).
get_target_property(_wk_incs wk INTERFACE_INCLUDE_DIRECTORIES)
if(_wk_incs)
  set(_wk_wrapped "")
  foreach(_dir IN LISTS _wk_incs)
    if(_dir MATCHES "^\\$<")
      list(APPEND _wk_wrapped "${_dir}")
    else()
      list(APPEND _wk_wrapped "$<BUILD_INTERFACE:${_dir}>")
    endif()
  endforeach()
  set_target_properties(wk PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_wk_wrapped}")
endif()

# A static libwakerconf needs the thread library at the consumer's final link; say so on
# the target itself whatever keyword the reference used (find_dependency supplies it).
get_target_property(_wk_links wk INTERFACE_LINK_LIBRARIES)
if(NOT _wk_links MATCHES "Threads::Threads")
  set_property(TARGET wk APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()

install(TARGETS wk EXPORT wakerconfTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# Public headers: everything in reference/include/wk/ (config.h.in does not match *.h)
# plus the config.h the reference generates with this build's WK_CHECKED value.  The
# reference records both locations on the target; the defaults are where it puts them.
get_target_property(_wk_header_dir wk WK_PUBLIC_INCLUDE_DIR)
if(NOT _wk_header_dir)
  set(_wk_header_dir "${PROJECT_SOURCE_DIR}/reference/include/wk")
endif()
get_target_property(_wk_config_header wk WK_CONFIG_HEADER)
if(NOT _wk_config_header)
  set(_wk_config_header "${PROJECT_BINARY_DIR}/reference/include/wk/config.h")
endif()
file(GLOB _wk_public_headers CONFIGURE_DEPENDS "${_wk_header_dir}/*.h")
install(FILES ${_wk_public_headers} "${_wk_config_header}"
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wk)

# ---- CMake package ----------------------------------------------------------
install(EXPORT wakerconfTargets
  NAMESPACE wakerconf::
  FILE wakerconfTargets.cmake
  DESTINATION ${WK_INSTALL_CMAKEDIR})

if(WK_CHECKED)
  set(WK_PACKAGE_CHECKED 1)
else()
  set(WK_PACKAGE_CHECKED 0)
endif()
configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/wakerconfConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/wakerconfConfig.cmake"
  INSTALL_DESTINATION ${WK_INSTALL_CMAKEDIR}
  NO_SET_AND_CHECK_MACRO)
# 0.x releases are compatible within their major version like any other: a consumer asking
# for 0.1 accepts 0.1.x and 0.2.x, refuses 1.0.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/wakerconfConfigVersion.cmake"
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/wakerconfConfig.cmake"
  "${PROJECT_BINARY_DIR}/wakerconfConfigVersion.cmake"
  DESTINATION ${WK_INSTALL_CMAKEDIR})

# ---- pkg-config -------------------------------------------------------------
# Relocatable: the prefix is found from the .pc file's own directory, so the same file
# works wherever `cmake --install --prefix` puts the tree.
if(IS_ABSOLUTE "${WK_INSTALL_PKGCONFIGDIR}")
  set(WK_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _wk_pc_up "/prefix/${WK_INSTALL_PKGCONFIGDIR}" "/prefix")
  string(REGEX REPLACE "/$" "" _wk_pc_up "${_wk_pc_up}")
  set(WK_PC_PREFIX "\${pcfiledir}/${_wk_pc_up}")
endif()
foreach(_kind LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_kind}}")
    set(WK_PC_${_kind} "${CMAKE_INSTALL_${_kind}}")
  else()
    set(WK_PC_${_kind} "\${prefix}/${CMAKE_INSTALL_${_kind}}")
  endif()
endforeach()
configure_file("${CMAKE_CURRENT_LIST_DIR}/wakerconf.pc.in" "${PROJECT_BINARY_DIR}/wakerconf.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/wakerconf.pc" DESTINATION ${WK_INSTALL_PKGCONFIGDIR})

# The requirement texts, so that an installed `wakerconf report` links every id to its prose
# (reports/ looks in ${CMAKE_INSTALL_FULL_DATADIR}/wakerconf/spec when no --spec is given).
file(GLOB _wk_spec_texts "${PROJECT_SOURCE_DIR}/spec/*.md")
install(FILES ${_wk_spec_texts} DESTINATION ${CMAKE_INSTALL_DATADIR}/wakerconf/spec)
