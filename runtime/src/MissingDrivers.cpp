// MissingDrivers: stands in for a driver whose library this build lacks.
#include "runtime/drivers/Driver.h"

namespace nnc::rt {

#ifndef HAVE_NNRT_VULKAN
DriverStatus createVulkanDriver(int, std::unique_ptr<Driver> &) {
  return DriverStatus::error("vulkan: this runtime was built without the "
                             "Vulkan driver");
}
#endif

#ifndef HAVE_NNRT_CUDA
DriverStatus createCudaDriver(int, std::unique_ptr<Driver> &) {
  return DriverStatus::error("cuda: this runtime was built without the CUDA "
                             "driver");
}
#endif

} // namespace nnc::rt
