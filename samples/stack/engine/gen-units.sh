#!/bin/sh
# Writes $1 C units of $2 functions each: enough optimizer work to make the compile genuinely slow,
# the way a large native dependency is. Deterministic, so the layer caches like real sources do.
set -eu
units=$1 funcs=$2 out=$3
mkdir -p "$out"
u=0
while [ "$u" -lt "$units" ]; do
  f=0
  {
    echo '#include <stdint.h>'
    while [ "$f" -lt "$funcs" ]; do
      cat <<C
uint64_t u${u}_f${f}(uint64_t x) {
  uint64_t a = x ^ ($((u * 1000 + f + 1))u), b = x * 6364136223846793005u;
  for (int i = 0; i < 64; i++) {
    a = (a << 7 | a >> 57) ^ (b + (uint64_t)i * ${f}u);
    b = b * 2862933555777941757u + (a >> (i % 13)) + ${u}u;
    if ((a ^ b) & 1) a += b / ((b & 0xff) + 1); else b ^= a * ${f}u;
  }
  return a ^ b;
}
C
      f=$((f + 1))
    done
    echo "uint64_t u${u}(uint64_t x) {"
    f=0
    while [ "$f" -lt "$funcs" ]; do echo "  x = u${u}_f${f}(x);"; f=$((f + 1)); done
    echo '  return x;'
    echo '}'
  } >"$out/unit$u.c"
  u=$((u + 1))
done
{
  echo '#include <stdint.h>'
  u=0
  while [ "$u" -lt "$units" ]; do echo "uint64_t u${u}(uint64_t);"; u=$((u + 1)); done
  echo 'uint64_t engine_run(uint64_t x) {'
  u=0
  while [ "$u" -lt "$units" ]; do echo "  x = u${u}(x);"; u=$((u + 1)); done
  echo '  return x;'
  echo '}'
} >"$out/engine.c"
