# Finds the third-party libraries and records which optional ones are present.
#
# LibTorch: Debian's libtorch-dev (1.13, CPU) here and in CI; PyTorch's bundled LibTorch
# (2.x, CUDA) on GPU machines, passed with -DCMAKE_PREFIX_PATH=<torch cmake prefix>.
find_package(Threads REQUIRED)
find_package(Torch REQUIRED)
# TorchConfig puts flags such as -D_GLIBCXX_USE_CXX11_ABI into TORCH_CXX_FLAGS; every
# target that links LibTorch must agree with it.
string(APPEND CMAKE_CXX_FLAGS " ${TORCH_CXX_FLAGS}")

# spdlog: Debian's package here. GPU machines have none; the GPU build passes
# -DDRIFFUSION_EXTRA_INCLUDE=<folder with Debian's spdlog and fmt headers> instead.
set(DRIFFUSION_EXTRA_INCLUDE "" CACHE PATH "Extra include folder for header-only spdlog/fmt/nlohmann_json")
find_package(spdlog QUIET)
find_package(nlohmann_json 3.10 QUIET)
add_library(driffusion_thirdparty INTERFACE)
if(spdlog_FOUND)
  target_link_libraries(driffusion_thirdparty INTERFACE spdlog::spdlog)
else()
  if(NOT DRIFFUSION_EXTRA_INCLUDE)
    message(FATAL_ERROR "spdlog not found: install libspdlog-dev or set DRIFFUSION_EXTRA_INCLUDE")
  endif()
  target_compile_definitions(driffusion_thirdparty INTERFACE SPDLOG_HEADER_ONLY SPDLOG_FMT_EXTERNAL FMT_HEADER_ONLY)
endif()
if(nlohmann_json_FOUND)
  target_link_libraries(driffusion_thirdparty INTERFACE nlohmann_json::nlohmann_json)
endif()
if(DRIFFUSION_EXTRA_INCLUDE)
  # Ahead of LibTorch's include folder: PyTorch bundles a newer fmt that spdlog 1.10 cannot use.
  include_directories(BEFORE SYSTEM ${DRIFFUSION_EXTRA_INCLUDE})
endif()

# OpenImageIO: Debian 12's CMake package config is broken (points at iconvert, PyImath,
# opencv4), so use pkg-config.
set(DRIFFUSION_HAVE_OIIO OFF)
if(DRIFFUSION_WITH_OIIO)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(OIIO REQUIRED IMPORTED_TARGET OpenImageIO)
  set(DRIFFUSION_HAVE_OIIO ON)
endif()

# CUDA and NCCL: only when LibTorch itself was built with CUDA.
set(DRIFFUSION_HAVE_CUDA OFF)
set(DRIFFUSION_HAVE_NCCL OFF)
if(TARGET torch_cuda OR CAFFE2_USE_CUDA OR TORCH_CUDA_LIBRARIES)
  find_package(CUDAToolkit REQUIRED)
  set(DRIFFUSION_HAVE_CUDA ON)
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/include)
  find_library(NCCL_LIBRARY NAMES nccl libnccl.so.2 HINTS ${CUDAToolkit_LIBRARY_DIR} /usr/lib/x86_64-linux-gnu)
  if(NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
    set(DRIFFUSION_HAVE_NCCL ON)
  endif()
endif()

if(DRIFFUSION_BUILD_GUI)
  find_package(Qt6 6.4 REQUIRED COMPONENTS Core Gui Widgets Test)
endif()

# 0/1 spellings for the generated build_info.h.
foreach(flag CUDA NCCL OIIO)
  if(DRIFFUSION_HAVE_${flag})
    set(DRIFFUSION_HAVE_${flag}_NUM true)
  else()
    set(DRIFFUSION_HAVE_${flag}_NUM false)
  endif()
endforeach()
