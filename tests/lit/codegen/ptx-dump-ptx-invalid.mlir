// nnc-dump-ptx reports a directory it cannot create instead of crashing.
// RUN: not nnc-opt %s --nnc-dump-ptx=dir=%s/not-a-dir 2>&1 | FileCheck %s

// CHECK: error: nnc-dump-ptx: cannot create '{{.*}}not-a-dir'
module {
}
