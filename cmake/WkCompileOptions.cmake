# Warning, sanitizer and debug-info flags shared by every target of the tree.
add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes)
if(WK_WERROR)
  add_compile_options(-Werror)
endif()

if(WK_VALGRIND_DWARF4)
  # Valgrind 3.19 gives up on clang 14's default DWARF 5 ("unhandled dwarf2 abbrev form").
  add_compile_options(-gdwarf-4)
endif()

if(WK_SANITIZE STREQUAL "address")
  set(_wk_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
elseif(WK_SANITIZE STREQUAL "thread")
  set(_wk_san -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT WK_SANITIZE STREQUAL "")
  message(FATAL_ERROR "WK_SANITIZE must be '', 'address' or 'thread', not '${WK_SANITIZE}'")
endif()
if(_wk_san)
  add_compile_options(${_wk_san})
  add_link_options(${_wk_san})
endif()
# Consumers of a sanitizer build (tests/package) must compile and link with the same flags.
set(WK_SANITIZE_FLAGS ${_wk_san})

find_package(Threads REQUIRED)
