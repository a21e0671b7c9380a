#include <stdio.h>

int main(void) {
    puts("hello from a warm build");
    return 0;
}
