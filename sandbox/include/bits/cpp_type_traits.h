// vibecheck's <bits/cpp_type_traits.h> for libc++ on wasm32-wasi: the few libstdc++-internal
// type traits that GNU extension headers (<ext/type_traits.h>, <ext/numeric_traits.h>, used by
// <ext/pb_ds/...>) build on, defined from the standard <type_traits>.
#ifndef VIBECHECK_BITS_CPP_TYPE_TRAITS_H
#define VIBECHECK_BITS_CPP_TYPE_TRAITS_H

#include <bits/c++config.h>
#include <type_traits>

namespace std {
struct __true_type {};
struct __false_type {};

template <bool _Value>
struct __truth_type {
  typedef __false_type __type;
};
template <>
struct __truth_type<true> {
  typedef __true_type __type;
};

// Whether two types are the same.
template <typename _Tp, typename _Up>
struct __are_same {
  enum { __value = is_same<_Tp, _Up>::value };
  typedef typename __truth_type<__value>::__type __type;
};

// Integer types: bool, the character types and the signed and unsigned integers (libc++ counts
// __int128 among them too, which libstdc++ does only in GNU modes).
template <typename _Tp>
struct __is_integer {
  enum { __value = is_integral<_Tp>::value };
  typedef typename __truth_type<__value>::__type __type;
};

template <typename _Tp>
struct __is_floating {
  enum { __value = is_floating_point<_Tp>::value };
  typedef typename __truth_type<__value>::__type __type;
};

template <typename _Tp>
struct __is_pointer {
  enum { __value = is_pointer<_Tp>::value };
  typedef typename __truth_type<__value>::__type __type;
};

template <typename _Tp>
struct __is_arithmetic {
  enum { __value = is_arithmetic<_Tp>::value };
  typedef typename __truth_type<__value>::__type __type;
};

template <typename _Tp>
struct __is_scalar {
  enum { __value = is_scalar<_Tp>::value };
  typedef typename __truth_type<__value>::__type __type;
};
}  // namespace std

#endif
