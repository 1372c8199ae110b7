// nnc-dump-spirv reports a directory it cannot create instead of crashing.
// RUN: not nnc-opt %s --nnc-dump-spirv=dir=%s/not-a-dir 2>&1 | FileCheck %s

// CHECK: error: nnc-dump-spirv: cannot create '{{.*}}not-a-dir'
module {
}
