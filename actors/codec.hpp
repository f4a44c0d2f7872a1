// Our own byte codec for message payloads. It walks the same inspect() functions CAF uses
// (one field list per message type), but writes IEEE floats as their raw bits, little-endian,
// so NaN payloads, signalling NaNs and infinities arrive bit-identical (CAF 0.17's own float
// serialization corrupts them). The reader never trusts a length: a short or inconsistent
// buffer throws DecodeError naming what is wrong, instead of producing a half-filled value.
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/meta/annotation.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>

namespace apq::actors {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the payload codec copies raw little-endian bytes; add byte swapping for this host");

// Allocator that leaves new bytes uninitialised: receive buffers and envelopes are written
// in full right after resize, so zeroing them first would cost a pass over large payloads.
template <class T>
struct NoInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = NoInitAllocator<U>;
  };
  NoInitAllocator() = default;
  template <class U>
  NoInitAllocator(const NoInitAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// Wire bytes: envelopes and encoded payloads.
using Bytes = std::vector<std::uint8_t, NoInitAllocator<std::uint8_t>>;

// A payload or envelope that cannot be decoded; what() says why.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Immutable bytes that may share the memory of a received envelope: decoding a large
// payload into SharedBytes copies nothing (the view keeps the receive buffer alive), and
// copying a SharedBytes shares the memory too. Encoded like std::vector<std::uint8_t>.
class SharedBytes {
 public:
  SharedBytes() = default;
  SharedBytes(std::vector<std::uint8_t> bytes) {  // NOLINT: implicit, as a vector stands in
    auto owned = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
    data_ = owned->data();
    size_ = owned->size();
    owner_ = std::move(owned);
  }
  SharedBytes(std::shared_ptr<const void> owner, const std::uint8_t* data, std::size_t size)
      : owner_(std::move(owner)), data_(data), size_(size) {}

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::uint8_t* begin() const { return data_; }
  const std::uint8_t* end() const { return data_ + size_; }
  std::uint8_t operator[](std::size_t i) const { return data_[i]; }
  std::vector<std::uint8_t> to_vector() const { return {begin(), end()}; }
  friend bool operator==(const SharedBytes& a, const SharedBytes& b) {
    return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
  }
  friend bool operator!=(const SharedBytes& a, const SharedBytes& b) { return !(a == b); }

 private:
  std::shared_ptr<const void> owner_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// For CAF's own inspectors (printing; CAF serialization is never used between ranks).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SharedBytes& x) {
  std::vector<std::uint8_t> copy = x.to_vector();
  auto restore = caf::meta::load_callback([&]() -> caf::error {
    x = SharedBytes(std::move(copy));
    return caf::none;
  });
  return f(copy, restore);
}

namespace detail {
template <class T> struct is_vector : std::false_type {};
template <class T, class A> struct is_vector<std::vector<T, A>> : std::true_type {};
// Arithmetic types copied as raw bytes (bool is written as one byte 0/1 and checked on read).
template <class T>
constexpr bool is_raw_v = std::is_arithmetic_v<T> && !std::is_same_v<T, bool>;
}  // namespace detail

// A large SharedBytes left out of an encoded buffer: its bytes belong at offset `at` of it
// (see ByteWriter's segments and Envelope in actors/envelope.hpp).
struct Segment {
  std::size_t at = 0;
  SharedBytes bytes;
};
// SharedBytes from this size on are sent from their own memory instead of being copied.
constexpr std::size_t kSegmentMinBytes = std::size_t{1} << 20;

// Appends values to a byte buffer. Usable as a CAF-style inspector: inspect(writer, value).
// Default-constructed it only counts the bytes it would write (see encode_into). With a
// `segments` list, SharedBytes of kSegmentMinBytes or more are not copied: their length is
// written and a Segment records where their bytes go.
class ByteWriter {
 public:
  using result_type = void;
  ByteWriter() = default;
  // Writes into `out` from offset `at` on; out must already be large enough (encode_into
  // sizes it once: growing it field by field cost a call per field).
  ByteWriter(Bytes& out, std::size_t at, std::vector<Segment>* segments = nullptr)
      : out_(&out), segments_(segments), pos_(at) {}
  // Counting for a writer that will have segments: the bytes of segments are not counted.
  explicit ByteWriter(bool skip_segments) : skip_segments_(skip_segments) {}

  template <class... Ts>
  void operator()(Ts&&... xs) {
    (apply(xs), ...);
  }
  void put_raw(const void* data, std::size_t size) {
    counted_ += size;
    if (size == 0 || !out_) return;
    std::memcpy(out_->data() + pos_, data, size);
    pos_ += size;
  }
  std::size_t counted() const { return counted_; }

 private:
  template <class T>
  void apply(const T& x) {
    if constexpr (std::is_base_of_v<caf::meta::annotation, T>) {
      // type names and other annotations are for CAF's printing, not part of the bytes
    } else if constexpr (std::is_same_v<T, bool>) {
      const std::uint8_t b = x ? 1 : 0;
      put_raw(&b, 1);
    } else if constexpr (detail::is_raw_v<T>) {
      put_raw(&x, sizeof(T));
    } else if constexpr (std::is_enum_v<T>) {
      apply(static_cast<std::underlying_type_t<T>>(x));
    } else if constexpr (std::is_same_v<T, SharedBytes>) {
      apply(static_cast<std::uint64_t>(x.size()));
      const bool as_segment = (segments_ || skip_segments_) && x.size() >= kSegmentMinBytes;
      if (!as_segment) {
        put_raw(x.data(), x.size());
      } else if (segments_) {
        segments_->push_back({pos_, x});
      }
    } else if constexpr (std::is_same_v<T, std::string>) {
      apply(static_cast<std::uint64_t>(x.size()));
      put_raw(x.data(), x.size());
    } else if constexpr (detail::is_vector<T>::value) {
      using E = typename T::value_type;
      apply(static_cast<std::uint64_t>(x.size()));
      if constexpr (detail::is_raw_v<E>) {
        put_raw(x.data(), x.size() * sizeof(E));
      } else {
        for (const auto& e : x) apply(e);
      }
    } else {
      inspect(*this, const_cast<T&>(x));  // inspect() takes T&; the writer only reads it
    }
  }

  Bytes* out_ = nullptr;
  std::vector<Segment>* segments_ = nullptr;
  bool skip_segments_ = false;
  std::size_t pos_ = 0;
  std::size_t counted_ = 0;
};

// Reads values back from bytes written by ByteWriter; throws DecodeError on any inconsistency.
class ByteReader {
 public:
  using result_type = void;
  // `owner` keeps `data` alive: SharedBytes fields then point into it instead of copying.
  ByteReader(const std::uint8_t* data, std::size_t size, std::shared_ptr<const void> owner = nullptr)
      : data_(data), size_(size), owner_(std::move(owner)) {}
  explicit ByteReader(const Bytes& bytes) : ByteReader(bytes.data(), bytes.size()) {}

  template <class... Ts>
  void operator()(Ts&&... xs) {
    (apply(xs), ...);
  }
  std::size_t remaining() const { return size_ - pos_; }
  std::size_t position() const { return pos_; }
  void get_raw(void* out, std::size_t size) {
    need(size);
    if (size) std::memcpy(out, data_ + pos_, size);
    pos_ += size;
  }
  // Throws unless every byte was consumed: trailing bytes mean a type mismatch.
  void expect_end(const char* what) const {
    if (remaining() != 0)
      throw DecodeError(std::string(what) + ": " + std::to_string(remaining()) +
                        " trailing bytes after the last field");
  }

 private:
  void need(std::size_t size) const {
    if (size > remaining())
      throw DecodeError("truncated: need " + std::to_string(size) + " bytes at offset " +
                        std::to_string(pos_) + ", only " + std::to_string(remaining()) + " left");
  }
  std::size_t get_length(std::size_t min_element_size) {
    std::uint64_t n = 0;
    get_raw(&n, sizeof n);
    if (min_element_size > 0 && n > remaining() / min_element_size)
      throw DecodeError("length " + std::to_string(n) + " at offset " + std::to_string(pos_ - 8) +
                        " exceeds the " + std::to_string(remaining()) + " bytes left");
    return static_cast<std::size_t>(n);
  }

  template <class T>
  void apply(T& x) {
    if constexpr (std::is_base_of_v<caf::meta::annotation, std::remove_const_t<T>>) {
    } else if constexpr (std::is_same_v<T, bool>) {
      std::uint8_t b = 0;
      get_raw(&b, 1);
      if (b > 1) throw DecodeError("bool byte " + std::to_string(b) + " is neither 0 nor 1");
      x = b == 1;
    } else if constexpr (detail::is_raw_v<T>) {
      get_raw(&x, sizeof(T));
    } else if constexpr (std::is_enum_v<T>) {
      std::underlying_type_t<T> raw{};
      apply(raw);
      x = static_cast<T>(raw);
    } else if constexpr (std::is_same_v<T, std::string>) {
      const std::size_t n = get_length(1);
      x.assign(reinterpret_cast<const char*>(data_ + pos_), n);
      pos_ += n;
    } else if constexpr (std::is_same_v<T, SharedBytes>) {
      const std::size_t n = get_length(1);
      if (owner_)
        x = SharedBytes(owner_, data_ + pos_, n);
      else
        x = SharedBytes(std::vector<std::uint8_t>(data_ + pos_, data_ + pos_ + n));
      pos_ += n;
    } else if constexpr (detail::is_vector<T>::value) {
      using E = typename T::value_type;
      if constexpr (std::is_same_v<E, std::uint8_t> || std::is_same_v<E, char>) {
        const std::size_t n = get_length(1);  // bytes: one pass, no zero-fill first
        x.assign(data_ + pos_, data_ + pos_ + n);
        pos_ += n;
      } else if constexpr (detail::is_raw_v<E>) {
        const std::size_t n = get_length(sizeof(E));
        x.resize(n);
        get_raw(x.data(), n * sizeof(E));
      } else {
        // Every element takes at least one byte except empty structs, which we do not send.
        const std::size_t n = get_length(1);
        x.clear();
        x.resize(n);
        for (auto& e : x) apply(e);
      }
    } else {
      inspect(*this, x);
    }
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::shared_ptr<const void> owner_;
  std::size_t pos_ = 0;
};

// Bytes that encode_into writes for `value` (without the bytes of segments, if any).
template <class T>
std::size_t encoded_size(const T& value, bool with_segments = false) {
  ByteWriter counter(with_segments);
  counter(value);
  return counter.counted();
}

// Appends the encoding of `value`. Sizes it first and grows `out` once: growing the buffer
// while writing would copy a large payload again (and, past the mmap threshold, fault in
// fresh pages) for every message.
// `size` is encoded_size(value, segments != nullptr), for a caller that already has it.
template <class T>
void encode_into(Bytes& out, const T& value, std::vector<Segment>* segments, std::size_t size) {
  const std::size_t at = out.size();
  out.resize(at + size);
  ByteWriter writer(out, at, segments);
  writer(value);
}

template <class T>
void encode_into(Bytes& out, const T& value, std::vector<Segment>* segments = nullptr) {
  encode_into(out, value, segments, encoded_size(value, segments != nullptr));
}

template <class T>
Bytes encode(const T& value) {
  Bytes out;
  encode_into(out, value);
  return out;
}

// Decodes exactly one T from the bytes; throws DecodeError if short, inconsistent or too long.
// With an `owner` of the bytes, SharedBytes fields share them instead of copying.
template <class T>
T decode(const std::uint8_t* data, std::size_t size, std::shared_ptr<const void> owner = nullptr) {
  ByteReader reader(data, size, std::move(owner));
  T value{};
  reader(value);
  reader.expect_end("payload");
  return value;
}

}  // namespace apq::actors
