// vibecheck's <debug/debug.h> for libc++ on wasm32-wasi: libstdc++'s debug-mode macros, for GNU
// extension headers (<ext/pb_ds/...>). Debug mode does not exist with libc++, so they check
// nothing, as in libstdc++ without _GLIBCXX_DEBUG (the assertions are in <bits/c++config.h>).
#ifndef VIBECHECK_DEBUG_DEBUG_H
#define VIBECHECK_DEBUG_DEBUG_H

#include <bits/c++config.h>

#define _GLIBCXX_DEBUG_VERIFY_AT(_Condition, _ErrorMessage, _File, _Line, _Function)

#endif
