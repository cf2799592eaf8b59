# Every native target builds warning-free with -Wall -Wextra (and more); DW_WERROR keeps it so.
add_compile_options(-Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wformat=2 -Wimplicit-fallthrough)
if(DW_WERROR)
  add_compile_options(-Werror)
endif()
