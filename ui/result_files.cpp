#include "ui/result_files.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <algorithm>

#include "core/util/errors.h"

#include "core/image/infotext.h"
#include "core/image/settings_json.h"
#include "core/util/build_info.h"

namespace drf::ui {
namespace {

std::filesystem::path fsPath(const QString& p) { return std::filesystem::path(p.toStdU16String()); }
QString qPath(const std::filesystem::path& p) { return QString::fromStdU16String(p.u16string()); }

}  // namespace

QString appVersion() { return QStringLiteral("DRiffusion Studio %1").arg(QLatin1String(build::kVersion)); }

ImageMetadata metadataFor(const GenerationResult& result, double measuredSpeedup) {
  const std::string version = appVersion().toStdString();
  ImageMetadata m;
  m.parameters = format_infotext(result, version, measuredSpeedup);
  m.settings_json = run_record_to_json(make_run_record(result, version, measuredSpeedup));
  return m;
}

QString saveNumbered(const GenerationResult& result, const QString& folder, const QString& stem,
                     double measuredSpeedup) {
  const ImageData data{result.image, result.image_float};
  const NumberedImage written = write_image_numbered(fsPath(folder), stem.toStdString(), data, default_image_format(),
                                                     metadataFor(result, measuredSpeedup));
  return qPath(written.path);
}

QString saveNumberedPlain(const RgbImage& image, const QString& folder, const QString& stem, const QString& comment) {
  const std::vector<float> none;
  ImageMetadata m;
  m.extra.emplace_back("Comment", comment.toStdString());
  const NumberedImage written =
      write_image_numbered(fsPath(folder), stem.toStdString(), ImageData{image, none}, default_image_format(), m);
  return qPath(written.path);
}

RgbImage upscaledNearest(const RgbImage& image, int factor) {
  if (factor < 1 || image.empty()) return image;
  RgbImage out;
  out.width = image.width * factor;
  out.height = image.height * factor;
  out.pixels.resize(static_cast<std::size_t>(out.width) * out.height * 3);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      const std::size_t from = (static_cast<std::size_t>(y / factor) * image.width + x / factor) * 3;
      const std::size_t to = (static_cast<std::size_t>(y) * out.width + x) * 3;
      for (int c = 0; c < 3; ++c) out.pixels[to + c] = image.pixels[from + c];
    }
  return out;
}

bool isSmallImage(const RgbImage& image) {
  return !image.empty() && std::max(image.width, image.height) < kSmallImageSide;
}

void saveUpscaledAs(const GenerationResult& result, const QString& path, int factor, double measuredSpeedup) {
  const std::filesystem::path target = fsPath(path);
  ImageFormat format = image_format_for_path(target).value_or(ImageFormat::Png8);
  // Enlarged 8-bit pixels carry no float data: 8-bit formats only.
  if (format == ImageFormat::Exr || format == ImageFormat::Png16) format = ImageFormat::Png8;
  if (format == ImageFormat::Tiff16) format = ImageFormat::Tiff8;
  ImageMetadata m = metadataFor(result, measuredSpeedup);
  m.extra.emplace_back("Comment", QStringLiteral("Enlarged %1x (nearest neighbour) for viewing; generated at %2x%3")
                                      .arg(factor)
                                      .arg(result.image.width)
                                      .arg(result.image.height)
                                      .toStdString());
  const std::vector<float> none;
  write_image_file(target, ImageData{upscaledNearest(result.image, factor), none}, format, m);
}

QString saveUpscaledCopy(const GenerationResult& result, const QString& savedPath, int factor, double measuredSpeedup) {
  const QFileInfo saved(savedPath);
  QDir folder(saved.absolutePath());
  if (!folder.mkpath(QStringLiteral("upscaled")))
    throw IoError("cannot create the folder " + folder.filePath(QStringLiteral("upscaled")).toStdString());
  const QString path =
      folder.filePath(QStringLiteral("upscaled/%1-%2x.png").arg(saved.completeBaseName()).arg(factor));
  if (QFileInfo::exists(path)) QFile::remove(path);
  saveUpscaledAs(result, path, factor, measuredSpeedup);
  return path;
}

void saveAs(const GenerationResult& result, const QString& path, double measuredSpeedup) {
  const std::filesystem::path target = fsPath(path);
  const ImageFormat format = image_format_for_path(target).value_or(ImageFormat::Png8);
  write_image_file(target, ImageData{result.image, result.image_float}, format, metadataFor(result, measuredSpeedup));
}

}  // namespace drf::ui
