#define P(a,b) a##b
#define H P(%,:)
H include "/etc/passwd"
int main(){return 0;}
