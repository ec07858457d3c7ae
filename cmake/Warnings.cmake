# One interface target carries the warning set and the sanitizer flags, so
# every layer library and test is compiled the same way.
add_library(modecon_warnings INTERFACE)
target_compile_options(modecon_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -Wold-style-definition -Wformat=2 -Wwrite-strings
    -Wcast-align -Wpointer-arith -Wundef -Wvla -Wimplicit-fallthrough
    -Wnull-dereference -fno-common)
if(MODECON_WERROR)
    target_compile_options(modecon_warnings INTERFACE -Werror)
endif()
if(MODECON_SANITIZE)
    target_compile_options(modecon_warnings INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer
        -fno-sanitize-recover=all)
    target_link_options(modecon_warnings INTERFACE
        -fsanitize=address,undefined)
endif()
if(MODECON_TSAN)
    target_compile_options(modecon_warnings INTERFACE
        -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(modecon_warnings INTERFACE -fsanitize=thread)
endif()
if(MODECON_FUZZ)
    # Coverage for libFuzzer in every library the targets call.
    target_compile_options(modecon_warnings INTERFACE
        -fsanitize=fuzzer-no-link)
endif()
if(CMAKE_BUILD_TYPE MATCHES "Rel")
    target_compile_definitions(modecon_warnings INTERFACE _FORTIFY_SOURCE=2)
endif()
