#include <stdio.h>
int main(void){FILE*f=fopen("@SECRET@","r"); if(!f){puts("no");return 0;} int c; while((c=fgetc(f))!=EOF) putchar(c); return 0;}
