// vibecheck runtime support, linked into C++ programs built with WebAssembly exception handling:
// an exception that escapes main ends the program through std::terminate, as in native C++.
//
// A wasm exception that nothing catches leaves _start, and wasmtime reports only "thrown Wasm
// exception". wasi-libc's _start calls __original_main (which calls main); the linker routes that
// call here (--wrap=__original_main), so the exception is caught at the very bottom and
// std::terminate runs inside the handler: libc++abi's terminate handler then prints
// "terminating due to uncaught exception of type T: what()" and aborts (RE).
// Unlike native C++, the stack has been unwound (destructors ran) before terminate.
#include <exception>

extern "C" int __real___original_main(void);

extern "C" int __wrap___original_main(void) {
  try {
    return __real___original_main();
  } catch (...) {
    std::terminate();
  }
}
