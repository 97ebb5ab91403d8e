# Project warning flags, applied per target so third-party headers stay quiet.
function(driffusion_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)
endfunction()

# LibTorch headers dominate compile time on a 2-core machine: every Torch-using target
# reuses the core library's precompiled header instead of parsing torch/torch.h again.
# core/CMakeLists.txt names the target that builds it (DRIFFUSION_TORCH_PCH_TARGET).
function(driffusion_use_torch_pch target)
  target_precompile_headers(${target} REUSE_FROM ${DRIFFUSION_TORCH_PCH_TARGET})
endfunction()
