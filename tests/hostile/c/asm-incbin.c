__asm__(".section .data\n.incbin \"@SECRET@\"\n");
int main(void){return 0;}
