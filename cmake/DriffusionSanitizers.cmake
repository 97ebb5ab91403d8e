# -DDRIFFUSION_SANITIZE=ON (CMake preset `sanitize`, `bash tools/dev.sh sanitize`): AddressSanitizer +
# UndefinedBehaviorSanitizer for every target, so driffusion_core, the CLI and the unit tests are all
# instrumented. LibTorch, OpenImageIO and the other system libraries stay uninstrumented: ASan still
# checks every heap block they hand to our code (its allocator replaces malloc/new process-wide),
# but not their own internal accesses.
#
# Applied globally (add_compile_options), not per target, because the LibTorch precompiled header
# of driffusion_core is reused by every other target and must be built with the same flags.
if(NOT DRIFFUSION_SANITIZE)
  return()
endif()

if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  message(FATAL_ERROR "DRIFFUSION_SANITIZE needs GCC or Clang (got ${CMAKE_CXX_COMPILER_ID})")
endif()

add_compile_options(
  -fsanitize=address,undefined
  # Frame pointers give ASan's fast unwinder whole stacks at -O1.
  -fno-omit-frame-pointer
  # Any undefined behaviour ends the test with a failure instead of a message in its log.
  -fno-sanitize-recover=all
  # libstdc++'s cheap precondition checks (operator[] bounds, front() of an empty vector,
  # unique_ptr deref of null): they catch out-of-range indexing that stays inside a vector's
  # capacity, which ASan cannot see. No ABI change, so LibTorch's headers are unaffected.
  -D_GLIBCXX_ASSERTIONS
  # GCC 12 reports -Wmaybe-uninitialized false positives inside libstdc++'s <regex> once ASan
  # instrumentation is added (core/models/latent/ldm_key_map.cpp); the Release build keeps the warning.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
add_link_options(-fsanitize=address,undefined)
