// A module without @forward has nothing to serialize.
// RUN: not nnc %s --emit=graph 2>&1 | FileCheck %s
// CHECK: error: the module has no @forward entry to serialize
module {
}
