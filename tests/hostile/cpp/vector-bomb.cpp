#include <vector>
int main(){std::vector<std::vector<int>> v; for(;;) v.emplace_back(1<<20, 7);}
