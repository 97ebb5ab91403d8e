// The memory estimate of a job (core/engine/job_memory.h): the activation bytes of its largest
// network call against the memory the device has, refused with a sentence and exit 4 (DeviceError).
#include <gtest/gtest.h>

#include <limits>

#include "core/engine/job_memory.h"
#include "core/util/errors.h"

namespace {

TEST(JobMemory, ActivationBytesScaleWithRowsAndStates) {
  EXPECT_EQ(drf::job_activation_bytes(1000, 2, 4), 8000);
  EXPECT_EQ(drf::job_activation_bytes(1000, 1, 1), 1000);
  EXPECT_EQ(drf::job_activation_bytes(0, 2, 4), 0);  // unknown cost: no estimate
  EXPECT_EQ(drf::job_activation_bytes(-5, 2, 4), 0);
  // Saturates rather than wrapping to a small (or negative) number.
  EXPECT_EQ(drf::job_activation_bytes(std::numeric_limits<int64_t>::max() / 2, 2, 8), std::numeric_limits<int64_t>::max());
}

TEST(JobMemory, RefusesWithASentenceNamingTheDevice) {
  const int64_t gb = 1000 * 1000 * 1000;
  try {
    drf::check_fits(64 * gb, 24 * gb, "cpu", "an image of 2048x2048");
    FAIL() << "no error";
  } catch (const drf::DeviceError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("an image of 2048x2048 needs about 64 GB on cpu, this machine has 24 GB available"), std::string::npos) << m;
  }
  EXPECT_NO_THROW(drf::check_fits(2 * gb, 24 * gb, "cpu", "x"));
  EXPECT_NO_THROW(drf::check_fits(64 * gb, std::nullopt, "cpu", "x"));  // unknown memory: not refused
  EXPECT_NO_THROW(drf::check_fits(0, 1, "cpu", "x"));                   // unknown cost: not refused
}

TEST(JobMemory, CpuMemoryIsKnownOnLinux) {
  const auto available = drf::available_device_memory(-1);
  ASSERT_TRUE(available.has_value());
  EXPECT_GT(*available, 0);
  EXPECT_EQ(drf::approximate_size(64'000'000'000), "64 GB");
  EXPECT_EQ(drf::approximate_size(2'500'000'000), "2.5 GB");
  EXPECT_EQ(drf::approximate_size(812'000'000), "812 MB");
}

}  // namespace
