// The transport between CPU ranks of a multi-process job: c10d's Gloo process group (TCP),
// one AllGather per round. Made by ProcessWorld::transport_group.
#pragma once
#include <memory>

#include <torch/csrc/distributed/c10d/Store.hpp>

#include "core/engine/transport.h"

namespace drf {

class ProcessWorld;

// `store` is a namespace of the world's store for Gloo's own rendezvous. Throws DeviceError
// when this LibTorch has no Gloo (a build without its headers).
std::shared_ptr<TransportGroup> make_gloo_transport_group(ProcessWorld& world, c10::intrusive_ptr<c10d::Store> store);

}  // namespace drf
