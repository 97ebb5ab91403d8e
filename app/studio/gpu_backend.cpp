#include "app/studio/gpu_backend.h"

#ifdef DRIFFUSION_HAVE_GPU
#include "gpu/gpu_registration.h"
#endif

namespace drf::studio {

void registerGpuBackend() {
#ifdef DRIFFUSION_HAVE_GPU
  drf::gpu::register_gpu_backend();
#endif
}

}  // namespace drf::studio
