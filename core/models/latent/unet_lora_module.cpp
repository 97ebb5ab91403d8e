#include "core/models/latent/unet_lora_module.h"

#include <algorithm>

#include "core/models/latent/ldm_key_map.h"
#include "core/models/loaders/single_file_keys.h"
#include "core/util/errors.h"
#include "core/util/string_util.h"

namespace drf {

LoraModule unet_lora_module(UNet2DConditionModel& unet, const UNetConfig& config) {
  LoraModule m{"unet", unet.get(), {}};
  const std::string weight = ".weight", prefix = kLdmUnetPrefix;
  std::map<std::string, KeyMapping> map;
  try {
    map = ldm_unet_key_map(single_file_parameter_names(*unet), config);
  } catch (const Error&) {
    return m;  // a UNet the original layout never had: its LoRAs can only use diffusers names
  }
  for (const auto& [name, mapping] : map) {
    if (!ends_with(name, weight) || !ends_with(mapping.source_key, weight) || !starts_with(mapping.source_key, prefix))
      continue;
    std::string ldm =
        mapping.source_key.substr(prefix.size(), mapping.source_key.size() - prefix.size() - weight.size());
    std::replace(ldm.begin(), ldm.end(), '.', '_');
    m.aliases.emplace(ldm, name.substr(0, name.size() - weight.size()));
  }
  return m;
}

}  // namespace drf
