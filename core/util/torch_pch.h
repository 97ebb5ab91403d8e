// Precompiled header for every LibTorch translation unit (see cmake/DriffusionWarnings.cmake).
#pragma once
#include <torch/torch.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>
