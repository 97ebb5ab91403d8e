// Registers the CUDA device lister and executors when this build has them. Kept in its own
// translation unit without Qt headers, because gpu/ headers may include LibTorch.
#pragma once

namespace drf::studio {

void registerGpuBackend();  // no-op in CPU-only builds

}  // namespace drf::studio
