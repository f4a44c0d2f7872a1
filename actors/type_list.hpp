// A compile-time list of message types (what every rank registers).
#pragma once

namespace apq::actors {

template <class... Ts>
struct TypeList {};

template <class A, class B>
struct ConcatLists;
template <class... As, class... Bs>
struct ConcatLists<TypeList<As...>, TypeList<Bs...>> {
  using type = TypeList<As..., Bs...>;
};
// Core types plus a program's own: Concat<CoreMessages, TypeList<MyType>>.
template <class A, class B>
using Concat = typename ConcatLists<A, B>::type;

}  // namespace apq::actors
