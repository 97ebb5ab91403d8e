// Command line of driffusion-studio.
#pragma once
#include <QString>
#include <QStringList>
#include <optional>

class QCoreApplication;

namespace drf::studio {

struct StudioOptions {
  QString model;          // --model: selects (and adds, for a file or folder) this model
  QString prompt;         // --prompt
  QString negative;       // --negative
  std::optional<qulonglong> seed;
  std::optional<int> steps, width, compare_seeds;
  QString mode;           // --mode sequential|conservative|aggressive
  bool generate = false;  // --generate: start at once
  QStringList screenshots;  // --screenshot: [main window mid-generation, comparison view]
  QString settings_file;  // --settings-file: INI instead of the user's settings
  QString output_folder;  // --output
};

// Parses the arguments. Returns nullopt after printing help or version (exit 0), or after
// printing an error (exit 2); `exitCode` says which.
std::optional<StudioOptions> parseStudioOptions(const QCoreApplication& app, int& exitCode);

}  // namespace drf::studio
