// vibecheck runtime support, linked into every C++ program the sandbox compiles: exception stubs.
//
// Debian's wasm32 libc++abi is built without exception support, so code that `throw`s would
// not link. A throw here prints what was thrown (type and what()) to stderr and aborts: the host
// turns that into RE (IE for a checker) with this message.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <climits>
#include <exception>
#include <ios>
#include <new>
#include <stdexcept>
#include <typeinfo>

// From libc++abi (declared here: its <cxxabi.h> declares __cxa_throw as noreturn without a body).
extern "C" char* __cxa_demangle(const char* mangled, char* buf, size_t* len, int* status);

// ---------------------------------------------------------------------------------------------
// 1. Exceptions

extern "C" void* __cxa_allocate_exception(size_t size) noexcept {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (!p) {
    std::fputs("vibecheck: out of memory while allocating an exception\n", stderr);
    std::abort();
  }
  return p;
}

namespace {
template <class E>
bool try_what(void* obj, const std::type_info* t, const char** what) {
  if (*t == typeid(E)) {
    *what = static_cast<E*>(obj)->what();
    return true;
  }
  return false;
}
}  // namespace

extern "C" [[noreturn]] void __cxa_throw(void* obj, std::type_info* t, void* (*)(void*)) {
  const char* what = nullptr;
  (void)(try_what<std::exception>(obj, t, &what) || try_what<std::runtime_error>(obj, t, &what) ||
         try_what<std::logic_error>(obj, t, &what) || try_what<std::out_of_range>(obj, t, &what) ||
         try_what<std::invalid_argument>(obj, t, &what) ||
         try_what<std::length_error>(obj, t, &what) || try_what<std::domain_error>(obj, t, &what) ||
         try_what<std::overflow_error>(obj, t, &what) ||
         try_what<std::underflow_error>(obj, t, &what) ||
         try_what<std::range_error>(obj, t, &what) || try_what<std::bad_alloc>(obj, t, &what) ||
         try_what<std::bad_array_new_length>(obj, t, &what) ||
         try_what<std::bad_cast>(obj, t, &what) || try_what<std::bad_typeid>(obj, t, &what) ||
         try_what<std::ios_base::failure>(obj, t, &what));
  int status = 0;
  char* name = __cxa_demangle(t->name(), nullptr, nullptr, &status);
  std::fflush(stdout);
  // One line: what was thrown and why a `catch` did not help.
  std::fprintf(stderr,
               "terminate called after throwing %s%s%s (the sandbox cannot catch C++ "
               "exceptions yet: every throw ends the program)\n",
               status == 0 && name ? name : t->name(), what ? ": " : "", what ? what : "");
  std::abort();
}

