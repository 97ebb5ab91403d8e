#include "app/train/emoji_dataset.h"

#include <fstream>

#include "core/io/safetensors_reader.h"
#include "core/util/errors.h"

namespace drf::train {

torch::Tensor load_emoji_images_u8(const std::string& path) {
  SafetensorsFile file(path);
  const auto shape = file.shape("images");
  if (shape.size() != 4 || shape[3] != 3 || shape[0] < 1)
    throw InputError(path + ": tensor 'images' must be uint8 [N, H, W, 3]");
  if (file.dtype("images") != SafetensorsDtype::U8) throw InputError(path + ": tensor 'images' must be uint8");
  return file.tensor("images", torch::kUInt8);
}

torch::Tensor load_emoji_images(const std::string& path, const torch::Device& device) {
  auto u8 = load_emoji_images_u8(path);
  return u8.to(device).permute({0, 3, 1, 2}).to(torch::kFloat32).div_(127.5).sub_(1).contiguous();
}

std::vector<std::pair<int64_t, std::string>> read_indexed_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open " + path);
  std::vector<std::pair<int64_t, std::string>> rows;
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    const auto tab = line.find('\t');
    std::size_t used = 0;
    int64_t index = -1;
    try {
      index = std::stoll(line.substr(0, tab), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (tab == std::string::npos || used != tab || index < 0)
      throw InputError(path + ": line " + std::to_string(number) + " is not '<index>\\t<text>'");
    std::string text = line.substr(tab + 1);
    const auto tab2 = text.find('\t');  // further columns are informational
    if (tab2 != std::string::npos) text = text.substr(0, tab2);
    rows.emplace_back(index, text);
  }
  return rows;
}

CaptionTable load_caption_table(const std::string& tsv_path, int64_t image_count, const PromptTokenizer& tokenizer,
                                int context, const torch::Device& device) {
  const auto rows = read_indexed_lines(tsv_path);
  std::vector<int64_t> ids;
  ids.reserve(rows.size() * static_cast<std::size_t>(context));
  std::vector<int64_t> offsets(static_cast<std::size_t>(image_count) + 1, -1);
  CaptionTable t;
  int64_t previous = -1;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const int64_t index = rows[r].first;
    if (index >= image_count)
      throw InputError(tsv_path + ": caption " + std::to_string(r + 1) + " names image " + std::to_string(index) +
                       " but there are only " + std::to_string(image_count) + " images");
    if (index < previous) throw InputError(tsv_path + ": captions are not grouped by image (line " + std::to_string(r + 1) + ")");
    for (int64_t i = previous + 1; i <= index; ++i) offsets[static_cast<std::size_t>(i)] = static_cast<int64_t>(r);
    previous = index;
    PromptTokens tok = tokenizer.encode(rows[r].second, context);
    t.truncated += tok.truncated ? 1 : 0;
    ids.insert(ids.end(), tok.ids.begin(), tok.ids.end());
  }
  if (previous != image_count - 1) throw InputError(tsv_path + ": the last images have no caption");
  offsets.back() = static_cast<int64_t>(rows.size());
  for (int64_t i = 0; i < image_count; ++i)
    if (offsets[static_cast<std::size_t>(i)] == offsets[static_cast<std::size_t>(i + 1)])
      throw InputError(tsv_path + ": image " + std::to_string(i) + " has no caption");
  const auto rows_count = static_cast<int64_t>(rows.size());
  t.ids = torch::tensor(ids, torch::kLong).view({rows_count, context}).to(device);
  t.offsets = torch::tensor(offsets, torch::kLong).to(device);
  t.empty = torch::tensor(tokenizer.encode("", context).ids, torch::kLong).to(device);
  return t;
}

TrainBatch sample_batch(const torch::Tensor& images, const CaptionTable& captions, int64_t batch,
                        double empty_probability) {
  const auto opts = torch::TensorOptions().device(images.device());
  const int64_t n = images.size(0);
  auto index = torch::randint(n, {batch}, opts.dtype(torch::kLong));
  auto first = captions.offsets.index_select(0, index);
  auto count = captions.offsets.index_select(0, index + 1) - first;
  auto pick = first + (torch::rand({batch}, opts.dtype(torch::kFloat32)) * count).to(torch::kLong).clamp_max(count - 1);
  TrainBatch b;
  b.x0 = images.index_select(0, index);
  b.ids = captions.ids.index_select(0, pick);
  auto empty = torch::rand({batch, 1}, opts.dtype(torch::kFloat32)) < empty_probability;
  b.ids = torch::where(empty, captions.empty.unsqueeze(0).expand_as(b.ids), b.ids);
  return b;
}

}  // namespace drf::train
