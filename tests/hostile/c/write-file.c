#include <stdio.h>
int main(void){FILE*f=fopen("@WRITE@","w"); if(f){fputs("x",f);fclose(f);} puts("done"); return 0;}
