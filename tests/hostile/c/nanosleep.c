#define _POSIX_C_SOURCE 200809L
#include <time.h>
int main(void){struct timespec t={3600,0}; nanosleep(&t,0);return 0;}
