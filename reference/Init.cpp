// Initializers: every param/state starts from the same values on every device.
#include "reference/Init.h"
#include "reference/Philox.h"

#include <cmath>
#include <cstring>

namespace nnc::ref {

void computeFans(const Shape &shape, double &fanIn, double &fanOut) {
  if (shape.empty()) {
    fanIn = fanOut = 1;
  } else if (shape.size() == 1) {
    fanIn = fanOut = double(shape[0]);
  } else if (shape.size() == 2) {
    fanIn = double(shape[0]);
    fanOut = double(shape[1]);
  } else {
    double receptive = 1;
    for (size_t i = 2; i < shape.size(); ++i)
      receptive *= double(shape[i]);
    fanIn = double(shape[1]) * receptive;
    fanOut = double(shape[0]) * receptive;
  }
}

Status initTensor(const Init &init, DType dtype, const Shape &shape,
                  Tensor &out) {
  out = Tensor(dtype, shape);
  int64_t n = out.numel();
  double fanIn, fanOut;
  computeFans(shape, fanIn, fanOut);
  switch (init.kind) {
  case Init::Kind::Zeros:
    return Status::success();
  case Init::Kind::Ones:
    for (int64_t i = 0; i < n; ++i)
      out.setDouble(i, 1.0);
    return Status::success();
  case Init::Kind::Const:
    for (int64_t i = 0; i < n; ++i)
      out.setDouble(i, init.value);
    return Status::success();
  case Init::Kind::Uniform:
    for (int64_t i = 0; i < n; ++i)
      out.setDouble(i, init.a + (init.b - init.a) * philoxUniform(init.seed, i));
    return Status::success();
  case Init::Kind::Normal:
    for (int64_t i = 0; i < n; ++i)
      out.setDouble(i, init.a + init.b * philoxNormal(init.seed, i));
    return Status::success();
  case Init::Kind::GlorotUniform: {
    double limit = std::sqrt(6.0 / (fanIn + fanOut));
    for (int64_t i = 0; i < n; ++i)
      out.setDouble(i, -limit + 2 * limit * philoxUniform(init.seed, i));
    return Status::success();
  }
  case Init::Kind::HeNormal: {
    double std = std::sqrt(2.0 / fanIn);
    for (int64_t i = 0; i < n; ++i)
      out.setDouble(i, std * philoxNormal(init.seed, i));
    return Status::success();
  }
  case Init::Kind::Data:
    if (init.data.size() != out.bytes().size())
      return Status::failure("data(...) holds " + std::to_string(init.data.size()) +
                             " bytes but " + out.typeString() + " needs " +
                             std::to_string(out.bytes().size()));
    if (!init.data.empty())
      std::memcpy(out.bytes().data(), init.data.data(), init.data.size());
    return Status::success();
  }
  return Status::failure("unknown initializer");
}

Status initParams(const Graph &graph, TensorMap &params) {
  params.clear();
  for (const Decl &d : graph.decls) {
    if (d.kind == Decl::Kind::Input)
      continue;
    Shape shape;
    for (const Dim &dim : d.type.dims) {
      if (!dim.isStatic())
        return Status::failure("param " + d.name + " has a non-static type " +
                               d.type.str());
      shape.push_back(dim.size);
    }
    double total = 1;
    for (int64_t d : shape)
      total *= double(d);
    if (total > double(int64_t(1) << 32))
      return Status::failure("param " + d.name + ": " + d.type.str() +
                             " is too large");
    Tensor t;
    Status s = initTensor(d.init, d.type.dtype, shape, t);
    if (!s.ok())
      return Status::failure("param " + d.name + ": " + s.message());
    params[d.name] = std::move(t);
  }
  return Status::success();
}

} // namespace nnc::ref
