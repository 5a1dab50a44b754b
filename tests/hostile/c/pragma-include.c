_Pragma("GCC dependency \"@SECRET@\"")
int main(void){return 0;}
