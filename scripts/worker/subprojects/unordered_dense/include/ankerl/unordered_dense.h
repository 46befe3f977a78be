// Stand-in for martinus/unordered_dense (not packaged by Debian), used by the mediasoup worker
// built in scripts/build-worker.mjs. The worker uses only ankerl::unordered_dense::map, ::set and
// ::hash, as ordinary hash containers; the standard ones give the same results with stronger
// guarantees (iterators and references stay valid across inserts and erases of other elements),
// at some cost in speed and memory per element. See docs/mediasoup.md.
#ifndef CDN_RELAY_UNORDERED_DENSE_STANDIN_H
#define CDN_RELAY_UNORDERED_DENSE_STANDIN_H

#include <functional>
#include <unordered_map>
#include <unordered_set>

namespace ankerl::unordered_dense
{
	template<class T>
	using hash = std::hash<T>;

	template<class Key, class T, class Hash = std::hash<Key>, class KeyEqual = std::equal_to<Key>>
	using map = std::unordered_map<Key, T, Hash, KeyEqual>;

	template<class Key, class Hash = std::hash<Key>, class KeyEqual = std::equal_to<Key>>
	using set = std::unordered_set<Key, Hash, KeyEqual>;
} // namespace ankerl::unordered_dense

#endif
