// Deterministic random weights for the synthetic "random:*" models (benchmarks and tests:
// speed does not depend on weight values). Per tensor: weights of rank >= 2 ~ N(0, 1/fan_in)
// (unit gain, so activations neither blow up nor vanish through 100+ layers and stay finite
// in fp16), 1-D "weight" of norms = 1, biases = 0, embedding tables ~ N(0, 0.02^2). Values
// come from a CPU generator seeded per tensor name, then move to the parameter's device and
// dtype, so the same seed gives the same model on every device.
#pragma once
#include <cstdint>

#include <torch/torch.h>

namespace drf {

void init_random_weights(torch::nn::Module& module, std::uint64_t seed);

}  // namespace drf
