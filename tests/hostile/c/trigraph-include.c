#define H ??=
H include "@SECRET@"
int main(void){return 0;}
