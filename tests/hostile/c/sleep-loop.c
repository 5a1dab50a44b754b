#define _DEFAULT_SOURCE
#include <unistd.h>
int main(void){for(;;) usleep(100000);}
