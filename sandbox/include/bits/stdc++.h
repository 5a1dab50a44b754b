// vibecheck's <bits/stdc++.h> for libc++ on wasm32-wasi: every standard header a contest
// solution may reach for, so `#include <bits/stdc++.h>` works as it does with libstdc++.
// Also defined here, as libstdc++ has them: `std::__gcd` and `std::__lg` (GNU helpers that contest
// code calls unqualified after `using namespace std`).
// Left out: <csetjmp> (no setjmp without extra flags), <csignal> (needs emulated signals),
// <cstdalign> (removed in libc++ 19). Thread headers parse, but threads cannot be created.
#ifndef VIBECHECK_BITS_STDCXX_H
#define VIBECHECK_BITS_STDCXX_H

// C library
#include <cassert>
#include <cctype>
#include <cerrno>
#include <cfenv>
#include <cfloat>
#include <cinttypes>
#include <climits>
#include <clocale>
#include <cmath>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <cuchar>
#include <cwchar>
#include <cwctype>

// C++98 / C++11
#include <algorithm>
#include <array>
#include <atomic>
#include <bitset>
#include <chrono>
#include <complex>
#include <condition_variable>
#include <deque>
#include <exception>
#include <forward_list>
#include <fstream>
#include <functional>
#include <future>
#include <initializer_list>
#include <iomanip>
#include <ios>
#include <iosfwd>
#include <iostream>
#include <istream>
#include <iterator>
#include <limits>
#include <list>
#include <locale>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <numeric>
#include <ostream>
#include <queue>
#include <random>
#include <ratio>
#include <regex>
#include <scoped_allocator>
#include <set>
#include <sstream>
#include <stack>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <type_traits>
#include <typeindex>
#include <typeinfo>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <valarray>
#include <vector>

// C++14 / C++17
#if __cplusplus >= 201402L
#include <shared_mutex>
#endif
#if __cplusplus >= 201703L
#include <any>
#include <charconv>
#include <execution>
#include <filesystem>
#include <memory_resource>
#include <optional>
#include <string_view>
#include <variant>
#endif

// C++20
#if __cplusplus >= 202002L
#include <barrier>
#include <bit>
#include <compare>
#include <concepts>
#include <coroutine>
#include <format>
#include <latch>
#include <numbers>
#include <ranges>
#include <semaphore>
#include <source_location>
#include <span>
#include <stop_token>
#include <syncstream>
#include <version>
#endif

// GNU helpers from libstdc++ (same results as libstdc++'s for every argument it accepts).
// Non-template overloads, so they win over libc++'s internal unsigned-only `std::__gcd`.
namespace std {
#define VIBECHECK_GCD(T)                        \
  inline constexpr T __gcd(T __m, T __n) {      \
    while (__n != 0) {                          \
      T __t = __m % __n;                        \
      __m = __n;                                \
      __n = __t;                                \
    }                                           \
    return __m;                                 \
  }
VIBECHECK_GCD(int)
VIBECHECK_GCD(long)
VIBECHECK_GCD(long long)
VIBECHECK_GCD(unsigned)
VIBECHECK_GCD(unsigned long)
VIBECHECK_GCD(unsigned long long)
VIBECHECK_GCD(__int128)
VIBECHECK_GCD(unsigned __int128)
#undef VIBECHECK_GCD
// floor(log2(n)) for n > 0 (libstdc++ leaves n == 0 undefined; here it is -1).
inline constexpr int __lg(int __n) { return __n > 0 ? 31 - __builtin_clz((unsigned)__n) : -1; }
inline constexpr int __lg(unsigned __n) { return __n ? 31 - __builtin_clz(__n) : -1; }
inline constexpr int __lg(long __n) { return __lg((int)__n); }
inline constexpr int __lg(unsigned long __n) { return __lg((unsigned)__n); }
inline constexpr int __lg(long long __n) {
  return __n > 0 ? 63 - __builtin_clzll((unsigned long long)__n) : -1;
}
inline constexpr int __lg(unsigned long long __n) { return __n ? 63 - __builtin_clzll(__n) : -1; }
}  // namespace std

#endif
