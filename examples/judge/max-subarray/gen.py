# Random small test from the seed in argv[1].
import random, sys
rng = random.Random(int(sys.argv[1]))
n = rng.randint(1, 8)
print(n)
print(*[rng.randint(-10, 10) for _ in range(n)])
