#define H %:
H include "@SECRET@"
int main(){return 0;}
