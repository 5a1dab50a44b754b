#include <stdio.h>
int main(void){
#if __has_include("@SECRET@")
puts("exists");
#endif
return 0;}
