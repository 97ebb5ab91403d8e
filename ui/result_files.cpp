#include "ui/result_files.h"

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

void saveAs(const GenerationResult& result, const QString& path, double measuredSpeedup) {
  const std::filesystem::path target = fsPath(path);
  const ImageFormat format = image_format_for_path(target).value_or(ImageFormat::Png8);
  write_image_file(target, ImageData{result.image, result.image_float}, format, metadataFor(result, measuredSpeedup));
}

}  // namespace drf::ui
