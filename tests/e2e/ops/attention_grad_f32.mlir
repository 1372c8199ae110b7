// attention_grad_f32: nn.attention with its nn.attention_lse (one forward
// kernel writing both), and nn.attention_grad for q, k and v (a kernel each),
// masked, 70 queries and 90 keys (two workgroups of key rows a batch), D 16,
// Dv 8; delta is an input here (any value checks the formula).
module attributes {nn.model = "attention_grad_f32"} {
  func.func @forward(
      %q: tensor<?x2x70x16xf32> {nn.dims = ["B", "2", "70", "16"], nn.name = "q", nn.role = "input"},
      %k: tensor<?x2x90x16xf32> {nn.dims = ["B", "2", "90", "16"], nn.name = "k", nn.role = "input"},
      %v: tensor<?x2x90x8xf32> {nn.dims = ["B", "2", "90", "8"], nn.name = "v", nn.role = "input"},
      %m: tensor<70x90xf32> {nn.dims = ["70", "90"], nn.name = "mask", nn.role = "input"},
      %g: tensor<?x2x70x8xf32> {nn.dims = ["B", "2", "70", "8"], nn.name = "dout", nn.role = "input"},
      %d: tensor<?x2x70xf32> {nn.dims = ["B", "2", "70"], nn.name = "delta", nn.role = "input"})
      -> (tensor<?x2x70x8xf32> {nn.name = "out"}, tensor<?x2x70xf32> {nn.name = "lse"},
          tensor<?x2x70x16xf32> {nn.name = "dq"}, tensor<?x2x90x16xf32> {nn.name = "dk"},
          tensor<?x2x90x8xf32> {nn.name = "dv"}) {
    %o = nn.attention %q, %k, %v, %m {scale = 2.5e-01 : f64} : tensor<?x2x70x16xf32>, tensor<?x2x90x16xf32>, tensor<?x2x90x8xf32>, tensor<70x90xf32> -> tensor<?x2x70x8xf32>
    %l = nn.attention_lse %q, %k, %m {scale = 2.5e-01 : f64} : tensor<?x2x70x16xf32>, tensor<?x2x90x16xf32>, tensor<70x90xf32> -> tensor<?x2x70xf32>
    %dq = nn.attention_grad %q, %k, %v, %l, %d, %g, %m {scale = 2.5e-01 : f64, wrt = "q"} : tensor<?x2x70x16xf32>, tensor<?x2x90x16xf32>, tensor<?x2x90x8xf32>, tensor<?x2x70xf32>, tensor<?x2x70xf32>, tensor<?x2x70x8xf32>, tensor<70x90xf32> -> tensor<?x2x70x16xf32>
    %dk = nn.attention_grad %q, %k, %v, %l, %d, %g, %m {scale = 2.5e-01 : f64, wrt = "k"} : tensor<?x2x70x16xf32>, tensor<?x2x90x16xf32>, tensor<?x2x90x8xf32>, tensor<?x2x70xf32>, tensor<?x2x70xf32>, tensor<?x2x70x8xf32>, tensor<70x90xf32> -> tensor<?x2x90x16xf32>
    %dv = nn.attention_grad %q, %k, %v, %l, %d, %g, %m {scale = 2.5e-01 : f64, wrt = "v"} : tensor<?x2x70x16xf32>, tensor<?x2x90x16xf32>, tensor<?x2x90x8xf32>, tensor<?x2x70xf32>, tensor<?x2x70xf32>, tensor<?x2x70x8xf32>, tensor<70x90xf32> -> tensor<?x2x90x8xf32>
    return %o, %l, %dq, %dk, %dv : tensor<?x2x70x8xf32>, tensor<?x2x70xf32>, tensor<?x2x70x16xf32>, tensor<?x2x90x16xf32>, tensor<?x2x90x8xf32>
  }
}
