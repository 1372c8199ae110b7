// mnist_cnn_grad_f32: the whole gradient of examples/mnist/cnn.nn on the
// GPU: its @loss_grad (the loss and one gradient per param, from
// `nnc examples/mnist/cnn.nn --emit=nn-grad`) as the @forward of this model,
// so that every backward kernel of the CNN (max_pool2d_grad, conv2d_grad_input,
// conv2d_grad_weight and the relu, matmul and loss gradients) runs on Vulkan
// and is compared with the reference interpreter.
// DIMS: 4 3
module attributes {nn.model = "mnist_cnn_grad_f32"} {
  func.func @forward(%arg0: tensor<?x784xf32> {nn.dims = ["B", "784"], nn.name = "x", nn.role = "input"}, %arg1: tensor<?xi32> {nn.dims = ["B"], nn.name = "y", nn.role = "input"}, %arg2: tensor<16x1x5x5xf32> {nn.init = "he_normal(seed=1)", nn.name = "c1", nn.role = "param"}, %arg3: tensor<16xf32> {nn.init = "zeros", nn.name = "cb1", nn.role = "param"}, %arg4: tensor<32x16x5x5xf32> {nn.init = "he_normal(seed=2)", nn.name = "c2", nn.role = "param"}, %arg5: tensor<32xf32> {nn.init = "zeros", nn.name = "cb2", nn.role = "param"}, %arg6: tensor<1568x128xf32> {nn.init = "glorot_uniform(seed=3)", nn.name = "w3", nn.role = "param"}, %arg7: tensor<128xf32> {nn.init = "zeros", nn.name = "b3", nn.role = "param"}, %arg8: tensor<128x10xf32> {nn.init = "glorot_uniform(seed=4)", nn.name = "w4", nn.role = "param"}, %arg9: tensor<10xf32> {nn.init = "zeros", nn.name = "b4", nn.role = "param"}) -> (tensor<f32> {nn.name = "loss"}, tensor<16x1x5x5xf32> {nn.name = "grad_c1"}, tensor<16xf32> {nn.name = "grad_cb1"}, tensor<32x16x5x5xf32> {nn.name = "grad_c2"}, tensor<32xf32> {nn.name = "grad_cb2"}, tensor<1568x128xf32> {nn.name = "grad_w3"}, tensor<128xf32> {nn.name = "grad_b3"}, tensor<128x10xf32> {nn.name = "grad_w4"}, tensor<10xf32> {nn.name = "grad_b4"}) {
    %0 = nn.constant dense<0.000000e+00> : tensor<f32>
    %1 = nn.constant dense<true> : tensor<i1>
    %2 = nn.constant dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]> : tensor<10xi32>
    %3 = nn.constant dense<1.000000e+00> : tensor<f32>
    %4 = nn.reshape %arg0 {shape = array<i64: -1, 1, 28, 28>} : tensor<?x784xf32> -> tensor<?x1x28x28xf32>
    %5 = nn.conv2d %4, %arg2, %arg3 {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x1x28x28xf32>, tensor<16x1x5x5xf32>, tensor<16xf32> -> tensor<?x16x28x28xf32>
    %6 = nn.relu %5 : tensor<?x16x28x28xf32> -> tensor<?x16x28x28xf32>
    %7 = nn.max_pool2d %6 {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x16x28x28xf32> -> tensor<?x16x14x14xf32>
    %8 = nn.conv2d %7, %arg4, %arg5 {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x16x14x14xf32>, tensor<32x16x5x5xf32>, tensor<32xf32> -> tensor<?x32x14x14xf32>
    %9 = nn.relu %8 : tensor<?x32x14x14xf32> -> tensor<?x32x14x14xf32>
    %10 = nn.max_pool2d %9 {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x32x14x14xf32> -> tensor<?x32x7x7xf32>
    %11 = nn.flatten %10 {axis = 1 : i64} : tensor<?x32x7x7xf32> -> tensor<?x1568xf32>
    %12 = nn.matmul %11, %arg6 : tensor<?x1568xf32>, tensor<1568x128xf32> -> tensor<?x128xf32>
    %13 = nn.add %12, %arg7 : tensor<?x128xf32>, tensor<128xf32> -> tensor<?x128xf32>
    %14 = nn.relu %13 : tensor<?x128xf32> -> tensor<?x128xf32>
    %15 = nn.matmul %14, %arg8 : tensor<?x128xf32>, tensor<128x10xf32> -> tensor<?x10xf32>
    %16 = nn.add %15, %arg9 : tensor<?x10xf32>, tensor<10xf32> -> tensor<?x10xf32>
    %17 = nn.cross_entropy %16, %arg1 : tensor<?x10xf32>, tensor<?xi32> -> tensor<f32>
    %18 = nn.reshape %arg1 {shape = array<i64: -1, 1>} : tensor<?xi32> -> tensor<?x1xi32>
    %19 = nn.compare "eq", %18, %2 : tensor<?x1xi32>, tensor<10xi32> -> tensor<?x10xi1>
    %20 = nn.cast %19 : tensor<?x10xi1> -> tensor<?x10xf32>
    %21 = nn.softmax %16 {axis = 1 : i64} : tensor<?x10xf32> -> tensor<?x10xf32>
    %22 = nn.where %1, %3, %16 : tensor<i1>, tensor<f32>, tensor<?x10xf32> -> tensor<?x10xf32>
    %23 = nn.sum %22 {axes = array<i64: 0>, keepdims = true} : tensor<?x10xf32> -> tensor<1x10xf32>
    %24 = nn.div %3, %23 : tensor<f32>, tensor<1x10xf32> -> tensor<1x10xf32>
    %25 = nn.sub %21, %20 : tensor<?x10xf32>, tensor<?x10xf32> -> tensor<?x10xf32>
    %26 = nn.mul %25, %24 : tensor<?x10xf32>, tensor<1x10xf32> -> tensor<?x10xf32>
    %27 = nn.sum %26 {axes = array<i64: 0>, keepdims = false} : tensor<?x10xf32> -> tensor<10xf32>
    %28 = nn.transpose %arg8 {perm = array<i64: 1, 0>} : tensor<128x10xf32> -> tensor<10x128xf32>
    %29 = nn.matmul %26, %28 : tensor<?x10xf32>, tensor<10x128xf32> -> tensor<?x128xf32>
    %30 = nn.transpose %14 {perm = array<i64: 1, 0>} : tensor<?x128xf32> -> tensor<128x?xf32>
    %31 = nn.matmul %30, %26 : tensor<128x?xf32>, tensor<?x10xf32> -> tensor<128x10xf32>
    %32 = nn.compare "gt", %13, %0 : tensor<?x128xf32>, tensor<f32> -> tensor<?x128xi1>
    %33 = nn.where %32, %29, %0 : tensor<?x128xi1>, tensor<?x128xf32>, tensor<f32> -> tensor<?x128xf32>
    %34 = nn.sum %33 {axes = array<i64: 0>, keepdims = false} : tensor<?x128xf32> -> tensor<128xf32>
    %35 = nn.transpose %arg6 {perm = array<i64: 1, 0>} : tensor<1568x128xf32> -> tensor<128x1568xf32>
    %36 = nn.matmul %33, %35 : tensor<?x128xf32>, tensor<128x1568xf32> -> tensor<?x1568xf32>
    %37 = nn.transpose %11 {perm = array<i64: 1, 0>} : tensor<?x1568xf32> -> tensor<1568x?xf32>
    %38 = nn.matmul %37, %33 : tensor<1568x?xf32>, tensor<?x128xf32> -> tensor<1568x128xf32>
    %39 = nn.reshape %36 {shape = array<i64: -1, 32, 7, 7>} : tensor<?x1568xf32> -> tensor<?x32x7x7xf32>
    %40 = nn.max_pool2d_grad %9, %39 {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x32x14x14xf32>, tensor<?x32x7x7xf32> -> tensor<?x32x14x14xf32>
    %41 = nn.compare "gt", %8, %0 : tensor<?x32x14x14xf32>, tensor<f32> -> tensor<?x32x14x14xi1>
    %42 = nn.where %41, %40, %0 : tensor<?x32x14x14xi1>, tensor<?x32x14x14xf32>, tensor<f32> -> tensor<?x32x14x14xf32>
    %43 = nn.conv2d_grad_input %42, %arg4 {dilation = array<i64: 1, 1>, groups = 1 : i64, input_size = array<i64: 14, 14>, padding = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x32x14x14xf32>, tensor<32x16x5x5xf32> -> tensor<?x16x14x14xf32>
    %44 = nn.conv2d_grad_weight %7, %42 {dilation = array<i64: 1, 1>, groups = 1 : i64, kernel_size = array<i64: 5, 5>, padding = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x16x14x14xf32>, tensor<?x32x14x14xf32> -> tensor<32x16x5x5xf32>
    %45 = nn.sum %42 {axes = array<i64: 0, 2, 3>, keepdims = false} : tensor<?x32x14x14xf32> -> tensor<32xf32>
    %46 = nn.max_pool2d_grad %6, %43 {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x16x28x28xf32>, tensor<?x16x14x14xf32> -> tensor<?x16x28x28xf32>
    %47 = nn.compare "gt", %5, %0 : tensor<?x16x28x28xf32>, tensor<f32> -> tensor<?x16x28x28xi1>
    %48 = nn.where %47, %46, %0 : tensor<?x16x28x28xi1>, tensor<?x16x28x28xf32>, tensor<f32> -> tensor<?x16x28x28xf32>
    %49 = nn.conv2d_grad_weight %4, %48 {dilation = array<i64: 1, 1>, groups = 1 : i64, kernel_size = array<i64: 5, 5>, padding = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x1x28x28xf32>, tensor<?x16x28x28xf32> -> tensor<16x1x5x5xf32>
    %50 = nn.sum %48 {axes = array<i64: 0, 2, 3>, keepdims = false} : tensor<?x16x28x28xf32> -> tensor<16xf32>
    return %17, %49, %50, %44, %45, %38, %34, %31, %27 : tensor<f32>, tensor<16x1x5x5xf32>, tensor<16xf32>, tensor<32x16x5x5xf32>, tensor<32xf32>, tensor<1568x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>
  }
}
