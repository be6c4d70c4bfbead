"""Hyper's build macros: every BUILD file goes through these.

Shared compile options live here (warnings as errors on our code) and in
.bazelrc (C++20, -c opt, --config=asan/tsan), so they change in one place.
"""

# Our own code compiles clean under these; generated code gets none of them.
HYPER_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
    "-Wno-missing-field-initializers",
]

_GTEST_MAIN = "//third_party:gtest_main"
_GTEST = "//third_party:gtest"
_BENCHMARK_MAIN = "//third_party:benchmark_main"

def hyper_cc_library(name, copts = [], **kwargs):
    """A cc_library with Hyper's compile options."""
    native.cc_library(name = name, copts = HYPER_COPTS + copts, **kwargs)

def hyper_cc_binary(name, copts = [], **kwargs):
    """A cc_binary with Hyper's compile options."""
    native.cc_binary(name = name, copts = HYPER_COPTS + copts, **kwargs)

def hyper_cc_test(name, copts = [], deps = [], own_main = False, size = "small", **kwargs):
    """A googletest cc_test.

    Args:
      name: target name, conventionally `<file>_test`.
      copts: extra compile options.
      deps: dependencies; gtest (and gtest_main unless own_main) are added.
      own_main: the test defines main() itself.
      size: Bazel test size; "small" (60 s timeout) unless the test needs more.
      **kwargs: passed to cc_test (srcs, data, env, size, tags, ...).
    """
    native.cc_test(
        name = name,
        copts = HYPER_COPTS + copts,
        deps = deps + [_GTEST] + ([] if own_main else [_GTEST_MAIN]),
        size = size,
        **kwargs
    )

def hyper_cc_benchmark(name, copts = [], deps = [], tags = [], **kwargs):
    """A testonly Google Benchmark binary plus `<name>_smoke`, a test that
    runs it for a few iterations so the benchmark keeps building and running.

    Real numbers come from `bazel run -c opt //pkg:<name>`.
    """
    native.cc_binary(
        name = name,
        testonly = True,
        copts = HYPER_COPTS + copts,
        deps = deps + [_BENCHMARK_MAIN],
        tags = tags,
        **kwargs
    )
    native.sh_test(
        name = name + "_smoke",
        srcs = ["//tools/build_defs:run_benchmark_smoke.sh"],
        args = ["$(location :%s)" % name],
        data = [":" + name],
        size = "small",
        tags = tags + ["benchmark_smoke"],
    )

def hyper_proto_library(name, src, deps = [], visibility = None):
    """C++ message and gRPC targets for one .proto, built with Debian's protoc
    and grpc_cpp_plugin (no @com_google_protobuf download).

    Creates:
      `<name>`: cc_library of the messages (x.pb.h).
      `<name>_grpc`: cc_library of the gRPC stubs and services (x.grpc.pb.h).
      `<name>_srcs`: the .proto and those it imports, for dependent protos.

    Args:
      name: conventionally `<file>_proto`.
      src: the .proto file, in this package.
      deps: other hyper_proto_library targets this proto imports.
      visibility: applied to all three targets.
    """
    if not src.endswith(".proto"):
        fail("hyper_proto_library src must be a .proto file: " + src)
    base = src[:-len(".proto")]
    outs = [base + ext for ext in [".pb.h", ".pb.cc", ".grpc.pb.h", ".grpc.pb.cc"]]

    native.filegroup(
        name = name + "_srcs",
        srcs = [src] + [d + "_srcs" for d in deps],
        visibility = visibility,
    )
    native.genrule(
        name = name + "_gen",
        srcs = [src] + [d + "_srcs" for d in deps],
        outs = outs,
        cmd = ("/usr/bin/protoc -I. --cpp_out=$(GENDIR) --grpc_out=$(GENDIR) " +
               "--plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin " +
               "$(location %s)") % src,
        visibility = ["//visibility:private"],
    )
    native.cc_library(
        name = name,
        srcs = [base + ".pb.cc"],
        hdrs = [base + ".pb.h"],
        deps = deps + ["//third_party:protobuf"],
        visibility = visibility,
    )
    native.cc_library(
        name = name + "_grpc",
        srcs = [base + ".grpc.pb.cc"],
        hdrs = [base + ".grpc.pb.h"],
        deps = [":" + name, "//third_party:grpc"],
        visibility = visibility,
    )
