// vibecheck's <bits/c++config.h> for libc++ on wasm32-wasi: the libstdc++ configuration macros
// that GNU extension headers use, so libstdc++'s policy-based data structures
// (<ext/pb_ds/...>, installed unmodified by tools/setup.sh) compile against libc++.
// Only what those headers need; built on standard C++ alone (no libc++ internals), so it holds
// for any libc++ build, with or without exception support.
#ifndef VIBECHECK_BITS_CXXCONFIG_H
#define VIBECHECK_BITS_CXXCONFIG_H

#include <cstdio>
#include <cstdlib>

// Namespaces: libstdc++'s versioned and debug-mode namespaces are plain `std` here.
#define _GLIBCXX_VISIBILITY(V) __attribute__((__visibility__(#V)))
#define _GLIBCXX_BEGIN_NAMESPACE_VERSION
#define _GLIBCXX_END_NAMESPACE_VERSION
#define _GLIBCXX_BEGIN_NAMESPACE_CONTAINER
#define _GLIBCXX_END_NAMESPACE_CONTAINER
#define _GLIBCXX_STD_C std

// Language-level keywords by standard.
#define _GLIBCXX_CONSTEXPR constexpr
#define _GLIBCXX_USE_CONSTEXPR constexpr
#define _GLIBCXX_NOEXCEPT noexcept
#define _GLIBCXX_NOEXCEPT_IF(...) noexcept(__VA_ARGS__)
#define _GLIBCXX_USE_NOEXCEPT noexcept
#define _GLIBCXX_THROW(_E)
#define _GLIBCXX_NODISCARD [[__nodiscard__]]
#if __cplusplus >= 201402L
#define _GLIBCXX14_CONSTEXPR constexpr
#else
#define _GLIBCXX14_CONSTEXPR
#endif
#if __cplusplus >= 201703L
#define _GLIBCXX17_CONSTEXPR constexpr
#else
#define _GLIBCXX17_CONSTEXPR
#endif

// A message marked for translation in libstdc++; the text itself here.
#define __N(_Msgid) (_Msgid)

// libstdc++'s debug-mode checks (its <debug/assertions.h>, which its standard headers bring in):
// debug mode does not exist with libc++, so they check nothing, as without _GLIBCXX_DEBUG.
#define _GLIBCXX_DEBUG_ASSERT(_Condition)
#define _GLIBCXX_DEBUG_PEDASSERT(_Condition)
#define _GLIBCXX_DEBUG_ONLY(_Statement)
// A program that turns libstdc++'s debug mode on (`#define _GLIBCXX_DEBUG`, common for local
// testing) compiles as it would without it: the pb_ds consistency checks it would enable need
// libstdc++'s debug runtime, which libc++ does not have.
#ifdef _GLIBCXX_DEBUG
#undef _GLIBCXX_DEBUG
#endif

// Exceptions. With exception support, the real thing; without (-fno-exceptions), a `try` block
// always runs, its handlers never do, and a throw ends the program with a message naming what
// was thrown (the sandbox reports it as a runtime error).
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define __try try
#define __catch(_X) catch (_X)
#define __throw_exception_again throw
#define _GLIBCXX_THROW_OR_ABORT(_EXC) (throw (_EXC))
#else
#define __try if (true)
#define __catch(_X) if (false)
#define __throw_exception_again
#define _GLIBCXX_THROW_OR_ABORT(_EXC)                                                    \
  (std::fputs("terminate: " #_EXC " thrown, but exceptions are disabled\n", stderr), \
   std::abort())
#endif

#endif
