#include <stdio.h>
int main(void){for(;;) fputs("err err err err err err err err err err err\n", stderr);}
