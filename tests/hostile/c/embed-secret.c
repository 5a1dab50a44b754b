#include <stdio.h>
static const char s[] = {
#embed "@SECRET@"
, 0};
int main(void){puts(s);return 0;}
