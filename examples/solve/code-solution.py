# A correct solution of code.md: the two largest values.
n = int(input())
a = sorted(map(int, input().split()))
print(a[-1] + a[-2])
