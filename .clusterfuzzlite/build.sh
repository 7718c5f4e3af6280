#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: every fuzz target of fuzz/ linked with the engine the
# infrastructure chose ($LIB_FUZZING_ENGINE: libFuzzer, or AFL++'s driver), compiled with its
# $CC/$CFLAGS (which carry the sanitizer: ASan or UBSan), plus seed corpora and dictionaries.
# adapter_ops fuzzes the built-in threaded reference runtime (ref.tpc) there.
cmake -S "$SRC/wakerconf" -B build \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS="$CFLAGS" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBUILD_TESTING=OFF -DWK_VALGRIND_DWARF4=OFF \
  -DWKF_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE"
for t in api_ops tpc_sched adapter_ops; do
  cmake --build build -j"$(nproc)" --target "fuzz_${t}_libfuzzer"
  cp "build/fuzz/fuzz_${t}_libfuzzer" "$OUT/$t"
  (cd "$SRC/wakerconf/fuzz/corpus/$t" && zip -q -r "$OUT/${t}_seed_corpus.zip" .)
  cp "$SRC/wakerconf/fuzz/dict/$t.dict" "$OUT/$t.dict"
done
