#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

uint64_t engine_run(uint64_t x);

int main(void) {
  const char *release = "sample release 1";
  printf("%s: %" PRIu64 "\n", release, engine_run(42));
  return 0;
}
