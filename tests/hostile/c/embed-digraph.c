#include <stdio.h>
#define H %:
static const char s[] = {
H embed "@SECRET@"
, 0};
int main(void){puts(s);return 0;}
