// vibecheck runtime support, linked into C++ programs: fast iostreams.
//
// libc++'s std::cin reads stdin one character at a time through getc/ungetc (three stdio calls
// and two virtual calls per byte), and its num_get parses integers through a locale-generic loop
// (a memchr over 26 "atoms" per character). In wasm that makes `cin >> x` about 10x slower than
// native libstdc++. We fix both:
// - a num_get<char> facet with a direct decimal parser is imbued into std::cin at startup
//   (correct over any streambuf, so always on);
// - when the program calls std::ios_base::sync_with_stdio(false) (promising not to mix stdio
//   and iostreams), std::cin and std::cout get 64 KiB buffered streambufs. The linker routes
//   the call here with --wrap.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ios>
#include <iostream>
#include <limits>
#include <locale>
#include <new>
#include <streambuf>

#include <stdio_ext.h>
#include <unistd.h>

namespace {

constexpr size_t kBuf = 1 << 16;

class FastIn : public std::streambuf {
  char buf_[kBuf];

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    // What stdio already buffered (reads before the switch) comes first; then one read(2) of
    // whatever is available, as libstdc++ does: fread would wait for a full buffer, and an
    // interactive program would never see the reply it is waiting for.
    size_t n = __freadahead(stdin);
    if (n > 0) {
      n = std::fread(buf_, 1, n < kBuf ? n : kBuf, stdin);
    } else {
      ssize_t r;
      do r = ::read(0, buf_, kBuf);
      while (r < 0 && errno == EINTR);
      n = r > 0 ? size_t(r) : 0;
    }
    if (n == 0) return traits_type::eof();
    setg(buf_, buf_, buf_ + n);
    return traits_type::to_int_type(*gptr());
  }
};

class FastOut : public std::streambuf {
  char buf_[kBuf];
  FILE* f_;

  void drain() {
    if (pptr() > pbase()) std::fwrite(pbase(), 1, size_t(pptr() - pbase()), f_);
    setp(buf_, buf_ + kBuf);
  }

 public:
  explicit FastOut(FILE* f) : f_(f) { setp(buf_, buf_ + kBuf); }
  void flush_all() {
    drain();
    std::fflush(f_);
  }

 protected:
  int_type overflow(int_type c) override {
    drain();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (n <= epptr() - pptr()) {
      std::memcpy(pptr(), s, size_t(n));
      pbump(int(n));
      return n;
    }
    drain();
    if (size_t(n) >= kBuf) return std::streamsize(std::fwrite(s, 1, size_t(n), f_));
    std::memcpy(pptr(), s, size_t(n));
    pbump(int(n));
    return n;
  }
  int sync() override {
    flush_all();
    return 0;
  }
};

// Decimal integer parsing straight off the stream buffer. Same results as libc++ for the
// default (dec) basefield; anything else goes to the generic implementation.
class FastNumGet : public std::num_get<char> {
 public:
  using std::num_get<char>::num_get;

 protected:
  template <class U>
  static iter_type magnitude(iter_type in, iter_type end, std::ios_base::iostate& err, bool& neg,
                             bool& any, bool& ovf, U& mag) {
    neg = any = ovf = false;
    mag = 0;
    if (in == end) {
      err = std::ios_base::eofbit;
      return in;
    }
    char c = *in;
    if (c == '-' || c == '+') {
      neg = c == '-';
      ++in;
    }
    constexpr U kMax = U(~U(0));
    while (in != end) {
      c = *in;
      if (c < '0' || c > '9') break;
      U d = U(c - '0');
      any = true;
      if (mag > (kMax - d) / 10)
        ovf = true;
      else
        mag = mag * 10 + d;
      ++in;
    }
    err = std::ios_base::goodbit;
    if (in == end) err |= std::ios_base::eofbit;
    return in;
  }

  template <class S>
  iter_type get_signed(iter_type in, iter_type end, std::ios_base& io, std::ios_base::iostate& err,
                       S& v) const {
    if ((io.flags() & std::ios_base::basefield) != std::ios_base::dec)
      return std::num_get<char>::do_get(in, end, io, err, v);
    bool neg, any, ovf;
    unsigned long long mag;
    in = magnitude(in, end, err, neg, any, ovf, mag);
    if (!any) {
      v = 0;
      err |= std::ios_base::failbit;
      return in;
    }
    const unsigned long long lim =
        neg ? (unsigned long long)std::numeric_limits<S>::max() + 1ULL
            : (unsigned long long)std::numeric_limits<S>::max();
    if (ovf || mag > lim) {
      v = neg ? std::numeric_limits<S>::min() : std::numeric_limits<S>::max();
      err |= std::ios_base::failbit;
      return in;
    }
    v = neg ? S(0ULL - mag) : S(mag);
    return in;
  }

  template <class U>
  iter_type get_unsigned(iter_type in, iter_type end, std::ios_base& io,
                         std::ios_base::iostate& err, U& v) const {
    if ((io.flags() & std::ios_base::basefield) != std::ios_base::dec)
      return std::num_get<char>::do_get(in, end, io, err, v);
    bool neg, any, ovf;
    unsigned long long mag;
    in = magnitude(in, end, err, neg, any, ovf, mag);
    if (!any) {
      v = 0;
      err |= std::ios_base::failbit;
      return in;
    }
    if (ovf || mag > (unsigned long long)std::numeric_limits<U>::max()) {
      v = std::numeric_limits<U>::max();
      err |= std::ios_base::failbit;
      return in;
    }
    v = neg ? U(U(0) - U(mag)) : U(mag);
    return in;
  }

  iter_type do_get(iter_type in, iter_type end, std::ios_base& io, std::ios_base::iostate& err,
                   long& v) const override {
    return get_signed(in, end, io, err, v);
  }
  iter_type do_get(iter_type in, iter_type end, std::ios_base& io, std::ios_base::iostate& err,
                   long long& v) const override {
    return get_signed(in, end, io, err, v);
  }
  iter_type do_get(iter_type in, iter_type end, std::ios_base& io, std::ios_base::iostate& err,
                   unsigned short& v) const override {
    return get_unsigned(in, end, io, err, v);
  }
  iter_type do_get(iter_type in, iter_type end, std::ios_base& io, std::ios_base::iostate& err,
                   unsigned int& v) const override {
    return get_unsigned(in, end, io, err, v);
  }
  iter_type do_get(iter_type in, iter_type end, std::ios_base& io, std::ios_base::iostate& err,
                   unsigned long& v) const override {
    return get_unsigned(in, end, io, err, v);
  }
  iter_type do_get(iter_type in, iter_type end, std::ios_base& io, std::ios_base::iostate& err,
                   unsigned long long& v) const override {
    return get_unsigned(in, end, io, err, v);
  }
};

alignas(FastIn) unsigned char fast_in_storage[sizeof(FastIn)];
alignas(FastOut) unsigned char fast_out_storage[sizeof(FastOut)];
FastOut* fast_out = nullptr;

void flush_fast_out() {
  if (fast_out) fast_out->flush_all();
}

struct ImbueFastNumGet {
  ImbueFastNumGet() { std::cin.imbue(std::locale(std::cin.getloc(), new FastNumGet)); }
};
// Runs after libc++ constructs the standard streams (they use the highest init priority).
ImbueFastNumGet imbue_fast_num_get;

}  // namespace

// std::ios_base::sync_with_stdio(bool), renamed by the linker's --wrap.
extern "C" bool _ZNSt3__28ios_base15sync_with_stdioEb(bool);
extern "C" bool __real__ZNSt3__28ios_base15sync_with_stdioEb(bool);
extern "C" bool __wrap__ZNSt3__28ios_base15sync_with_stdioEb(bool sync) {
  bool previous = __real__ZNSt3__28ios_base15sync_with_stdioEb(sync);
  if (!sync && !fast_out) {
    std::cout.flush();
    std::cin.rdbuf(new (fast_in_storage) FastIn);
    fast_out = new (fast_out_storage) FastOut(stdout);
    std::cout.rdbuf(fast_out);
    std::atexit(flush_fast_out);
  }
  return previous;
}
