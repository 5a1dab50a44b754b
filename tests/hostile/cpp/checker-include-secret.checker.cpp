#include "@SECRET@"
int main(){return 0;}
