// What the two NCCL transports share (nccl_transport.cpp: one process's devices;
// nccl_rank_transport.cpp: one device per process): NCCL errors as DeviceError, and the NCCL
// element type of a tensor dtype.
#pragma once
#include <nccl.h>
#include <torch/torch.h>

#include <string>

#include "core/util/errors.h"

namespace drf::gpu {

inline void check_nccl(ncclResult_t r, const std::string& what) {
  if (r != ncclSuccess) throw DeviceError("NCCL " + what + " failed: " + ncclGetErrorString(r));
}

// `who` names the transport in the error for a dtype NCCL is not asked to carry.
inline ncclDataType_t nccl_type(torch::ScalarType t, const char* who) {
  switch (t) {
    case torch::kFloat32: return ncclFloat32;
    case torch::kFloat16: return ncclFloat16;
    case torch::kBFloat16: return ncclBfloat16;
    case torch::kFloat64: return ncclFloat64;
    default: throw Error(ErrorKind::Internal, std::string(who) + ": unsupported dtype");
  }
}

}  // namespace drf::gpu
