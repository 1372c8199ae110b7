// Every verifier and type-inference diagnostic of the nn dialect.
// RUN: nnc-opt %s -split-input-file -verify-diagnostics

func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'add' cannot broadcast f32[2,3] and f32[4] (dim 3 vs 4)}}
  %0 = nn.add %a, %b : tensor<2x3xf32>, tensor<4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @add_dtypes(%a: tensor<3xf32>, %b: tensor<3xi32>) {
  // expected-error @+1 {{'add' needs operands of the same dtype; got f32[3] and i32[3]}}
  %0 = nn.add %a, %b : tensor<3xf32>, tensor<3xi32> -> tensor<3xf32>
  return
}

// -----

func.func @add_bool(%a: tensor<3xi1>) {
  // expected-error @+1 {{'add' needs lhs to be numeric (f64, f32, f16, bf16, i8, i16, i32, i64, u8, u16, u32 or u64); got bool[3]}}
  %0 = nn.add %a, %a : tensor<3xi1>, tensor<3xi1> -> tensor<3xi1>
  return
}

// -----

func.func @add_result(%a: tensor<3xf32>) {
  // expected-error @+1 {{'add' result type f32[4] does not match the inferred f32[3]}}
  %0 = nn.add %a, %a : tensor<3xf32>, tensor<3xf32> -> tensor<4xf32>
  return
}

// -----

func.func @operand_count(%a: tensor<3xf32>) {
  // expected-error @+1 {{'nn.add' op expected 2 operands, but found 1}}
  %0 = "nn.add"(%a) : (tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @pow_int(%a: tensor<3xi32>) {
  // expected-error @+1 {{'pow' needs lhs to be float (f64, f32, f16 or bf16); got i32[3]}}
  %0 = nn.pow %a, %a : tensor<3xi32>, tensor<3xi32> -> tensor<3xi32>
  return
}

// -----

func.func @compare_predicate(%a: tensor<3xf32>) {
  // expected-error @+1 {{'compare' predicate must be one of eq, ne, lt, le, gt, ge; got "less"}}
  %0 = nn.compare "less", %a, %a : tensor<3xf32>, tensor<3xf32> -> tensor<3xi1>
  return
}

// -----

func.func @compare_result(%a: tensor<3xf32>) {
  // expected-error @+1 {{'compare' result type f32[3] does not match the inferred bool[3]}}
  %0 = nn.compare "eq", %a, %a : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}

// -----

func.func @exp_int(%a: tensor<4xi32>) {
  // expected-error @+1 {{'exp' needs x to be float (f64, f32, f16 or bf16); got i32[4]}}
  %0 = nn.exp %a : tensor<4xi32> -> tensor<4xi32>
  return
}

// -----

func.func @gelu_mode(%a: tensor<4xf32>) {
  // expected-error @+1 {{'gelu' approximate must be "none" or "tanh"; got "fast"}}
  %0 = nn.gelu %a {approximate = "fast"} : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @where_cond(%c: tensor<4xf32>, %a: tensor<4xf32>) {
  // expected-error @+1 {{'where' needs cond to be bool; got f32[4]}}
  %0 = nn.where %c, %a, %a : tensor<4xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @where_broadcast(%c: tensor<5xi1>, %a: tensor<4xf32>) {
  // expected-error @+1 {{'where' cannot broadcast bool[5], f32[4] and f32[4] (dim 5 vs 4)}}
  %0 = nn.where %c, %a, %a : tensor<5xi1>, tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @cast_shape(%a: tensor<3xf32>) {
  // expected-error @+1 {{'cast' keeps the shape; f32[3] cannot become f16[4]}}
  %0 = nn.cast %a : tensor<3xf32> -> tensor<4xf16>
  return
}

// -----

func.func @element_type(%a: tensor<3xsi32>) {
  // expected-error @+1 {{'nn.neg' op operand #0 must be ranked tensor of an nn dtype (f64, f32, f16, bf16, i8, i16, i32, i64, ui8, ui16, ui32, ui64 or i1), but got 'tensor<3xsi32>'}}
  %0 = nn.neg %a : tensor<3xsi32> -> tensor<3xsi32>
  return
}

// -----

func.func @sum_axes(%a: tensor<?x10xf32>) {
  // expected-error @+1 {{'sum' axes [1,1] must be sorted, unique and in [0, 2) for f32[?,10]}}
  %0 = nn.sum %a {axes = array<i64: 1, 1>, keepdims = false} : tensor<?x10xf32> -> tensor<?xf32>
  return
}

// -----

func.func @max_axes_range(%a: tensor<?x10xf32>) {
  // expected-error @+1 {{'max' axes [-1] must be sorted, unique and in [0, 2) for f32[?,10]}}
  %0 = nn.max %a {axes = array<i64: -1>, keepdims = false} : tensor<?x10xf32> -> tensor<?xf32>
  return
}

// -----

func.func @mean_int(%a: tensor<4xi32>) {
  // expected-error @+1 {{'mean' needs x to be float (f64, f32, f16 or bf16); got i32[4]}}
  %0 = nn.mean %a {axes = array<i64>, keepdims = false} : tensor<4xi32> -> tensor<i32>
  return
}

// -----

func.func @sum_missing_attr(%a: tensor<4xf32>) {
  // expected-error @+1 {{'nn.sum' op requires attribute 'keepdims'}}
  %0 = nn.sum %a {axes = array<i64>} : tensor<4xf32> -> tensor<f32>
  return
}

// -----

func.func @argmax_axis(%a: tensor<4x5xf32>) {
  // expected-error @+1 {{'argmax' axis 2 is out of range [0, 2) for f32[4,5]}}
  %0 = nn.argmax %a {axis = 2 : i64, keepdims = false} : tensor<4x5xf32> -> tensor<4xi64>
  return
}

// -----

func.func @softmax_scalar(%a: tensor<f32>) {
  // expected-error @+1 {{'softmax' axis 0 is invalid for the 0-d f32[]}}
  %0 = nn.softmax %a {axis = 0 : i64} : tensor<f32> -> tensor<f32>
  return
}

// -----

func.func @layer_norm_gamma(%x: tensor<?x512xf32>, %g: tensor<256xf32>) {
  // expected-error @+1 {{'layer_norm' needs gamma f32[512] (x.shape[1:] of f32[?,512]); got f32[256]}}
  %0 = nn.layer_norm %x, %g, %g {axis = 1 : i64, eps = 1.0e-5 : f64} : tensor<?x512xf32>, tensor<256xf32>, tensor<256xf32> -> tensor<?x512xf32>
  return
}

// -----

func.func @layer_norm_eps(%x: tensor<?x4xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{'layer_norm' eps must be >= 0; got -1}}
  %0 = nn.layer_norm %x, %g, %g {axis = 1 : i64, eps = -1.0 : f64} : tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  return
}

// -----

func.func @rms_norm_dtype(%x: tensor<?x4xf32>, %g: tensor<4xf16>) {
  // expected-error @+1 {{'rms_norm' needs gamma f32[4] (x.shape[1:] of f32[?,4]); got f16[4]}}
  %0 = nn.rms_norm %x, %g {axis = 1 : i64, eps = 1.0e-6 : f64} : tensor<?x4xf32>, tensor<4xf16> -> tensor<?x4xf32>
  return
}

// -----

func.func @batch_norm_channels(%x: tensor<?x16x8x8xf32>, %c: tensor<16xf32>, %m: tensor<8xf32>) {
  // expected-error @+1 {{'batch_norm' needs mean f32[16] (the channel dim of f32[?,16,8,8]); got f32[8]}}
  %0 = nn.batch_norm %x, %c, %c, %m, %c {eps = 1.0e-5 : f64, momentum = 0.1 : f64, training = false} : tensor<?x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<8xf32>, tensor<16xf32> -> tensor<?x16x8x8xf32>
  return
}

// -----

func.func @batch_norm_momentum(%x: tensor<?x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{'batch_norm' momentum must be in [0, 1]; got 2}}
  %0 = nn.batch_norm %x, %c, %c, %c, %c {eps = 1.0e-5 : f64, momentum = 2.0 : f64, training = true} : tensor<?x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32> -> tensor<?x16xf32>
  return
}

// -----

func.func @matmul_inner(%a: tensor<?x784xf32>, %b: tensor<128x10xf32>) {
  // expected-error @+1 {{'matmul' needs lhs [..., M, K] and rhs [..., K, N]; got f32[?,784] and f32[128,10]}}
  %0 = nn.matmul %a, %b : tensor<?x784xf32>, tensor<128x10xf32> -> tensor<?x10xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x3x4xf32>, %b: tensor<5x4x6xf32>) {
  // expected-error @+1 {{'matmul' cannot broadcast the batch dims f32[2] and f32[5] (dim 2 vs 5)}}
  %0 = nn.matmul %a, %b : tensor<2x3x4xf32>, tensor<5x4x6xf32> -> tensor<2x3x6xf32>
  return
}

// -----

func.func @matmul_scalar(%a: tensor<f32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'matmul' needs lhs [..., M, K] and rhs [..., K, N]; got f32[] and f32[4]}}
  %0 = nn.matmul %a, %b : tensor<f32>, tensor<4xf32> -> tensor<f32>
  return
}

// -----

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{'conv2d' needs x [N, C, H, W] and w [O, C/groups, kh, kw] with groups = 1; got f32[1,3,8,8] and f32[4,2,3,3]}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_stride(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'conv2d' stride must be 2 integers [h, w], each >= 1; got [0,1]}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 0, 0>, stride = array<i64: 0, 1>} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'conv2d' needs bias [O] = f32[4] for w f32[4,3,3,3]; got f32[3]}}
  %0 = nn.conv2d %x, %w, %b {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_window(%x: tensor<1x3x2x2xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'conv2d' window of extent 3 does not fit the input f32[1,3,2,2] padded by 0}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<1x3x2x2xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x1x1xf32>
  return
}

// -----

func.func @conv_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<3x2x3x3xf32>) {
  // expected-error @+1 {{'conv2d' needs the output channels 3 of w to be a multiple of groups = 2}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 2 : i64, padding = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<1x4x8x8xf32>, tensor<3x2x3x3xf32> -> tensor<1x3x6x6xf32>
  return
}

// -----

func.func @pool_padding(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'max_pool2d' padding [2,2] must be at most half the kernel [2,2]}}
  %0 = nn.max_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<1x3x8x8xf32> -> tensor<1x3x6x6xf32>
  return
}

// -----

func.func @pool_rank(%x: tensor<3x8x8xf32>) {
  // expected-error @+1 {{'avg_pool2d' needs x [N, C, H, W]; got f32[3,8,8]}}
  %0 = nn.avg_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<3x8x8xf32> -> tensor<3x4x4xf32>
  return
}

// -----

func.func @global_pool_rank(%x: tensor<3x8xf32>) {
  // expected-error @+1 {{'global_avg_pool' needs x [N, C, H, W]; got f32[3,8]}}
  %0 = nn.global_avg_pool %x : tensor<3x8xf32> -> tensor<3xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<3x5xf32>) {
  // expected-error @+1 {{'reshape' cannot reshape f32[3,5] (15 elements) into [4,4] (16 elements)}}
  %0 = nn.reshape %x {shape = array<i64: 4, 4>} : tensor<3x5xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @reshape_wildcard(%x: tensor<3x5xf32>) {
  // expected-error @+1 {{'reshape' cannot reshape f32[3,5] (15 elements) into [-1,4]}}
  %0 = nn.reshape %x {shape = array<i64: -1, 4>} : tensor<3x5xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @reshape_two_wildcards(%x: tensor<?x5xf32>) {
  // expected-error @+1 {{'reshape' shape [-1,-1] may only hold sizes >= 0 and one -1}}
  %0 = nn.reshape %x {shape = array<i64: -1, -1>} : tensor<?x5xf32> -> tensor<?x?xf32>
  return
}

// -----

func.func @transpose_perm(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{'transpose' needs perm to be a permutation of [0, 2) for f32[3,4]; got [0,0]}}
  %0 = nn.transpose %x {perm = array<i64: 0, 0>} : tensor<3x4xf32> -> tensor<3x3xf32>
  return
}

// -----

func.func @flatten_axis(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{'flatten' axis 3 is out of range [0, 2] for f32[3,4]}}
  %0 = nn.flatten %x {axis = 3 : i64} : tensor<3x4xf32> -> tensor<12x1xf32>
  return
}

// -----

func.func @concat_dims(%a: tensor<3x4xf32>, %b: tensor<2x5xf32>) {
  // expected-error @+1 {{'concat' needs inputs that agree outside axis 1; got f32[3,4] and f32[2,5]}}
  %0 = nn.concat %a, %b {axis = 1 : i64} : tensor<3x4xf32>, tensor<2x5xf32> -> tensor<3x9xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<3x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'concat' needs inputs of one dtype and rank; got f32[3,4] and f32[4]}}
  %0 = nn.concat %a, %b {axis = 0 : i64} : tensor<3x4xf32>, tensor<4xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @concat_empty() {
  // expected-error @+1 {{'concat' needs at least one input}}
  %0 = "nn.concat"() <{axis = 0 : i64}> : () -> tensor<4xf32>
  return
}

// -----

func.func @slice_step(%x: tensor<10xf32>) {
  // expected-error @+1 {{'slice' step must be >= 1; got 0}}
  %0 = nn.slice %x {axis = 0 : i64, end = 8 : i64, start = 2 : i64, step = 0 : i64} : tensor<10xf32> -> tensor<3xf32>
  return
}

// -----

func.func @broadcast_to_dims(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'broadcast_to' cannot broadcast f32[2,3] to [4,3] (dim 2 vs 4)}}
  %0 = nn.broadcast_to %x {shape = array<i64: 4, 3>} : tensor<2x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @broadcast_to_rank(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'broadcast_to' cannot broadcast f32[2,3] to the shorter shape [3]}}
  %0 = nn.broadcast_to %x {shape = array<i64: 3>} : tensor<2x3xf32> -> tensor<3xf32>
  return
}

// -----

func.func @broadcast_to_wildcard(%x: tensor<3xf32>) {
  // expected-error @+1 {{'broadcast_to' shape [-1,3] has -1 at 0, where f32[3] has no dim}}
  %0 = nn.broadcast_to %x {shape = array<i64: -1, 3>} : tensor<3xf32> -> tensor<?x3xf32>
  return
}

// -----

func.func @gather_indices(%x: tensor<10x4xf32>, %i: tensor<3xf32>) {
  // expected-error @+1 {{'gather' needs indices to be integer (i32 or i64); got f32[3]}}
  %0 = nn.gather %x, %i {axis = 0 : i64} : tensor<10x4xf32>, tensor<3xf32> -> tensor<3x4xf32>
  return
}

// -----

func.func @embedding_table(%t: tensor<10xf32>, %i: tensor<3xi32>) {
  // expected-error @+1 {{'embedding' needs table [V, D]; got f32[10]}}
  %0 = nn.embedding %t, %i : tensor<10xf32>, tensor<3xi32> -> tensor<3xf32>
  return
}

// -----

func.func @cross_entropy_labels(%l: tensor<?x10xf32>, %y: tensor<?x1xi32>) {
  // expected-error @+1 {{'cross_entropy' needs logits [B, C] and labels [B]; got f32[?,10] and i32[?,1]}}
  %0 = nn.cross_entropy %l, %y : tensor<?x10xf32>, tensor<?x1xi32> -> tensor<f32>
  return
}

// -----

func.func @cross_entropy_batch(%l: tensor<8x10xf32>, %y: tensor<4xi64>) {
  // expected-error @+1 {{'cross_entropy' needs logits [B, C] and labels [B]; got f32[8,10] and i64[4]}}
  %0 = nn.cross_entropy %l, %y : tensor<8x10xf32>, tensor<4xi64> -> tensor<f32>
  return
}

// -----

func.func @mse_types(%p: tensor<3xf32>, %t: tensor<4xf32>) {
  // expected-error @+1 {{'mse' needs pred and target of the same type; got f32[3] and f32[4]}}
  %0 = nn.mse %p, %t : tensor<3xf32>, tensor<4xf32> -> tensor<f32>
  return
}

// -----

func.func @dropout_p(%x: tensor<3xf32>) {
  // expected-error @+1 {{'dropout' p must be in [0, 1); got 1}}
  %0 = nn.dropout %x {p = 1.0 : f64, seed = 0 : i64} : tensor<3xf32> -> tensor<3xf32>
  return
}

// -----

func.func @constant_dtype() {
  // expected-error @+1 {{'constant' needs a tensor value of an nn dtype (f64, f32, f16, bf16, i8, i16, i32, i64, u8, u16, u32, u64 or bool); got si32[2]}}
  %0 = "nn.constant"() <{value = dense<1> : tensor<2xsi32>}> : () -> tensor<2xf32>
  return
}

// -----

func.func @dropout_step(%x: tensor<3xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{'dropout' needs step to be a 0-d f32 (the step count); got f32[1]}}
  %0 = nn.dropout %x, %s {p = 0.5 : f64, seed = 0 : i64, training = true} : tensor<3xf32>, tensor<1xf32> -> tensor<3xf32>
  return
}

// -----

func.func @scatter_add_updates(%x: tensor<10x4xf32>, %i: tensor<3xi32>, %u: tensor<3x5xf32>) {
  // expected-error @+1 {{'scatter_add' needs updates f32[3,4] (x.shape[:axis] + indices.shape + x.shape[axis+1:] for f32[10,4], i32[3] and axis 0); got f32[3,5]}}
  %0 = nn.scatter_add %x, %i, %u {axis = 0 : i64} : tensor<10x4xf32>, tensor<3xi32>, tensor<3x5xf32> -> tensor<10x4xf32>
  return
}

// -----

func.func @scatter_add_dtype(%x: tensor<10x4xf32>, %i: tensor<3xi32>, %u: tensor<3x4xf16>) {
  // expected-error @+1 {{'scatter_add' needs x and updates of the same dtype; got f32[10,4] and f16[3,4]}}
  %0 = nn.scatter_add %x, %i, %u {axis = 0 : i64} : tensor<10x4xf32>, tensor<3xi32>, tensor<3x4xf16> -> tensor<10x4xf32>
  return
}

// -----

func.func @scatter_add_axis(%x: tensor<10x4xf32>, %i: tensor<3xi32>, %u: tensor<3x4xf32>) {
  // expected-error @+1 {{'scatter_add' axis 2 is out of range [0, 2) for f32[10,4]}}
  %0 = nn.scatter_add %x, %i, %u {axis = 2 : i64} : tensor<10x4xf32>, tensor<3xi32>, tensor<3x4xf32> -> tensor<10x4xf32>
  return
}

// -----

func.func @scatter_add_indices(%x: tensor<10x4xf32>, %i: tensor<3xf32>, %u: tensor<3x4xf32>) {
  // expected-error @+1 {{'scatter_add' needs indices to be integer (i32 or i64); got f32[3]}}
  %0 = nn.scatter_add %x, %i, %u {axis = 0 : i64} : tensor<10x4xf32>, tensor<3xf32>, tensor<3x4xf32> -> tensor<10x4xf32>
  return
}

// -----

func.func @attention_head_sizes(%q: tensor<2x8x4xf32>, %k: tensor<2x8x5xf32>) {
  // expected-error @+1 {{'attention' needs q and k of one head size D; got f32[2,8,4] and f32[2,8,5]}}
  %0 = nn.attention %q, %k, %k {scale = 1.0 : f64} : tensor<2x8x4xf32>, tensor<2x8x5xf32>, tensor<2x8x5xf32> -> tensor<2x8x5xf32>
  return
}

// -----

func.func @attention_batch(%q: tensor<2x8x4xf32>, %k: tensor<3x8x4xf32>) {
  // expected-error @+1 {{'attention' needs k with the batch dims of q f32[2,8,4]; got f32[3,8,4]}}
  %0 = nn.attention %q, %k, %k {scale = 1.0 : f64} : tensor<2x8x4xf32>, tensor<3x8x4xf32>, tensor<3x8x4xf32> -> tensor<2x8x4xf32>
  return
}

// -----

func.func @attention_mask(%q: tensor<2x8x4xf32>, %m: tensor<8x7xf32>) {
  // expected-error @+1 {{'attention' needs a mask [Tq, Tk] = [8, 8]; got f32[8,7]}}
  %0 = nn.attention %q, %q, %q, %m {scale = 1.0 : f64} : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<8x7xf32> -> tensor<2x8x4xf32>
  return
}

// -----

func.func @attention_int(%q: tensor<2x8x4xi32>) {
  // expected-error @+1 {{'attention' needs q to be float (f64, f32, f16 or bf16); got i32[2,8,4]}}
  %0 = nn.attention %q, %q, %q {scale = 1.0 : f64} : tensor<2x8x4xi32>, tensor<2x8x4xi32>, tensor<2x8x4xi32> -> tensor<2x8x4xi32>
  return
}

// -----

func.func @attention_rank(%q: tensor<4xf32>) {
  // expected-error @+1 {{'attention_lse' needs q [..., Tq, D] and k [..., Tk, D] of one rank (at least 2); got f32[4] and f32[4]}}
  %0 = nn.attention_lse %q, %q {scale = 1.0 : f64} : tensor<4xf32>, tensor<4xf32> -> tensor<f32>
  return
}

// -----

func.func @attention_grad_wrt(%q: tensor<2x8x4xf32>, %l: tensor<2x8xf32>) {
  // expected-error @+1 {{'attention_grad' needs wrt "q", "k" or "v"; got "mask"}}
  %0 = nn.attention_grad %q, %q, %q, %l, %l, %q {scale = 1.0 : f64, wrt = "mask"} : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x4xf32> -> tensor<2x8x4xf32>
  return
}

// -----

func.func @attention_grad_lse(%q: tensor<2x8x4xf32>, %l: tensor<2x8xf16>, %d: tensor<2x8xf32>) {
  // expected-error @+1 {{'attention_grad' needs lse f32[2,8]; got f16[2,8]}}
  %0 = nn.attention_grad %q, %q, %q, %l, %d, %q {scale = 1.0 : f64, wrt = "q"} : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8xf16>, tensor<2x8xf32>, tensor<2x8x4xf32> -> tensor<2x8x4xf32>
  return
}

// -----

func.func @attention_grad_dout(%q: tensor<2x8x4xf32>, %l: tensor<2x8xf32>, %g: tensor<2x8x3xf32>) {
  // expected-error @+1 {{'attention_grad' needs dout f32[2,8,4]; got f32[2,8,3]}}
  %0 = nn.attention_grad %q, %q, %q, %l, %l, %g {scale = 1.0 : f64, wrt = "k"} : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x3xf32> -> tensor<2x8x4xf32>
  return
}

// -----

func.func @attention_kernel_operands(%q: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'nn.attention_kernel' op kind 'lse' with 3 inputs and 1 outputs}}
  %0 = nn.attention_kernel ins(%q, %q, %q : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>) outs(%q : tensor<2x8x4xf32>) {kind = "lse", scale = 1.0 : f64} -> tensor<2x8x4xf32>
  return
}

// -----

func.func @attention_kernel_mixed(%q: tensor<2x8x4xf32>, %o: memref<2x8x4xf32>) {
  // expected-error @+1 {{'nn.attention_kernel' op mixes tensors and memrefs}}
  nn.attention_kernel ins(%q, %q, %q : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>) outs(%o : memref<2x8x4xf32>) {kind = "forward", scale = 1.0 : f64}
  return
}

// -----

func.func @attention_dynamic_head(%q: tensor<2x8x?xf32>) {
  // expected-error @+1 {{'attention' needs a static head size D of 1 to 128; got q f32[2,8,?]}}
  %0 = nn.attention %q, %q, %q {scale = 1.0 : f64} : tensor<2x8x?xf32>, tensor<2x8x?xf32>, tensor<2x8x?xf32> -> tensor<2x8x?xf32>
  return
}

// -----

func.func @attention_wide_v(%q: tensor<2x8x4xf32>, %v: tensor<2x8x200xf32>) {
  // expected-error @+1 {{'attention' needs a static head size Dv of 1 to 128; got v f32[2,8,200]}}
  %0 = nn.attention %q, %q, %v {scale = 1.0 : f64} : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x200xf32> -> tensor<2x8x200xf32>
  return
}

// -----

func.func @attention_f64(%q: tensor<2x8x4xf64>) {
  // expected-error @+1 {{'attention' needs q of f32, f16 or bf16; got f64[2,8,4]}}
  %0 = nn.attention %q, %q, %q {scale = 1.0 : f64} : tensor<2x8x4xf64>, tensor<2x8x4xf64>, tensor<2x8x4xf64> -> tensor<2x8x4xf64>
  return
}

// -----

func.func @attention_kernel_head(%q: memref<2x8x?xf32>, %o: memref<2x8x4xf32>) {
  // expected-error @+1 {{'nn.attention_kernel' op needs q, k and v of one dtype and rank, static head sizes of 1 to 128 (q's and k's equal); got 'memref<2x8x?xf32>'}}
  nn.attention_kernel ins(%q, %q, %q : memref<2x8x?xf32>, memref<2x8x?xf32>, memref<2x8x?xf32>) outs(%o : memref<2x8x4xf32>) {kind = "forward", scale = 1.0 : f64}
  return
}

// -----

func.func @attention_kernel_lse(%q: memref<2x8x4xf32>, %l: memref<2x8xf16>) {
  // expected-error @+1 {{'nn.attention_kernel' op has outputs of the wrong rank or dtype}}
  nn.attention_kernel ins(%q, %q : memref<2x8x4xf32>, memref<2x8x4xf32>) outs(%l : memref<2x8xf16>) {kind = "lse", scale = 1.0 : f64}
  return
}
