package sentiment

import (
	"cmp"
	"encoding/binary"
	"maps"
	"math/bits"
	"slices"
	"strings"
)

// wordTable is an immutable open-addressing hash table from lowercase
// tokens to entries. It replaces a map[string]entry on the hot path, where
// the lookup every token needs is bound by cache misses: the slot array is
// small enough to stay in cache (4 bytes per slot, a 16-bit tag filters
// out almost every word that is not in the lexicon without touching the
// records), and a record holds its entry and the first 8 key bytes
// together, so a hit usually costs a single miss.
type wordTable struct {
	slots []uint32 // tag<<16 | record index+1; 0 is empty
	// shift is 64 - log2(len(slots)), less than 64: the lookups shift by
	// shift&63, one instruction where a shift by 64 or more would need
	// three more to give 0
	shift uint
	// bloom is a 64 Kibit filter (2 probes) in front of the slots: it fits
	// in L1 and rejects most words that are not in the lexicon.
	bloom [1024]uint64
	recs  []record
	arena []byte // all keys, concatenated
	big   map[string]*entry
}

type record struct {
	e    entry
	key0 uint64 // first 8 key bytes, zero padded
	koff uint32
	klen uint32
}

func newWordTable(m map[string]entry) *wordTable {
	if len(m) >= 1<<16-1 {
		return newWordTableLarge(m)
	}
	size := 1
	for size < 2*len(m)+16 {
		size <<= 1
	}
	t := &wordTable{
		slots: make([]uint32, size),
		shift: uint(64 - bits.TrailingZeros(uint(size))),
	}
	mask := uint64(size - 1)
	// Records go in the order of the brand model's rows, most frequent
	// words first, then the rest by key: the few hundred words most texts
	// have share cache lines and sit in their home slots, and the layout
	// does not depend on map order.
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		ra, rb := uint32(m[a].learn)-1, uint32(m[b].learn)-1 // 0 sorts last
		return cmp.Or(cmp.Compare(ra, rb), strings.Compare(a, b))
	})
	for _, k := range keys {
		e := m[k]
		e.rare = e.flags == 0 && rareShape(key0(k), key1(k), len(k))
		h := hashKey(k)
		t.bloomAdd(h)
		t.recs = append(t.recs, record{e: e, key0: key0(k), koff: uint32(len(t.arena)), klen: uint32(len(k))})
		t.arena = append(t.arena, k...)
		for p := h >> t.shift; ; p = (p + 1) & mask {
			if t.slots[p] == 0 {
				t.slots[p] = uint32(h&0xffff)<<16 | uint32(len(t.recs))
				break
			}
		}
	}
	return t
}

// newWordTableLarge handles user lexicons of 64k words or more, which the
// 16-bit record index cannot address, with a plain map.
func newWordTableLarge(m map[string]entry) *wordTable {
	big := make(map[string]*entry, len(m))
	for k, e := range m {
		big[k] = &e
	}
	// two occupied slots whose record matches no key: home always
	// leaves the lookup to probeK0
	t := &wordTable{big: big, slots: []uint32{0xffff<<16 | 1, 0xffff<<16 | 1}, shift: 63, recs: []record{{klen: ^uint32(0)}}}
	for i := range t.bloom {
		t.bloom[i] = ^uint64(0) // every word goes on to probe
	}
	return t
}

func key0[T string | []byte](k T) uint64 {
	var b [8]byte
	copy(b[:], k)
	return binary.LittleEndian.Uint64(b[:])
}

// key1 is key0 of k's bytes 8-15.
func key1[T string | []byte](k T) uint64 {
	if len(k) <= 8 {
		return 0
	}
	return key0(k[8:])
}

// lookup returns the entry of key, or the zero entry.
func (t *wordTable) lookup(key []byte) entry {
	if e := t.lookupHash(key, hashKey(key)); e != nil {
		return *e
	}
	return entry{}
}

// lookupHash returns the entry of key, or nil, with h = hashKey(key)
// already computed. It returns a pointer because an entry returned by value
// travels back in five registers that the caller spills and reloads as two
// overlapping 16-byte moves, a store-forwarding stall on every token. The
// bloom test is small enough to inline, so that the words it rejects (most
// of them) cost no call.
func (t *wordTable) lookupHash(key []byte, h uint64) *entry {
	if !t.maybeHas(h) {
		return nil
	}
	return t.probe(key, h)
}

// maybeHas is the bloom test of the hash h. The two words are combined
// before the one branch: whether a word is in the lexicon is data that no
// branch predictor learns, and a branch for each bit (two bit tests, four
// fewer instructions on baseline amd64) cost vader mode 5% of a corpus
// pass.
func (t *wordTable) maybeHas(h uint64) bool {
	a, b := h>>16&0xffff, h>>48
	return t.bloom[a>>6]>>(a&63)&(t.bloom[b>>6]>>(b&63))&1 != 0
}

// home is the common case of probeK0, small enough to inline so that the
// tokenizer's loop makes no call (and spills no registers) for a word in
// its home slot, where nearly all frequent words sit: it looks for a key
// of n <= 8 bytes, k0, in the slot of its hash h only. done reports whether
// that settles it; if not, probeK0 must look further.
func (t *wordTable) home(k0, h uint64, n int) (e *entry, done bool) {
	s := t.slots[h>>(t.shift&63)]
	if s == 0 {
		return nil, true
	}
	if s>>16 != uint32(h&0xffff) {
		return nil, false
	}
	r := &t.recs[s&0xffff-1]
	if r.key0 != k0 || int(r.klen) != n {
		return nil, false
	}
	return &r.e, true
}

// probe finds key, whose hash is h, in the slots.
func (t *wordTable) probe(key []byte, h uint64) *entry {
	return t.probeK0(key, key0(key), h)
}

// probeK0 is probe with k0 = key0(key) already known: the tokenizer loads
// it from its buffer in one masked read, where key0 copies byte by byte
// (a memmove call and a store-forwarding stall on every lexicon word).
func (t *wordTable) probeK0(key []byte, k0, h uint64) *entry {
	if t.big != nil {
		return t.big[string(key)]
	}
	mask := uint64(len(t.slots) - 1)
	tag := uint32(h & 0xffff)
	for p := h >> (t.shift & 63); ; p = (p + 1) & mask {
		s := t.slots[p]
		if s == 0 {
			return nil
		}
		if s>>16 != tag {
			continue
		}
		r := &t.recs[s&0xffff-1]
		if int(r.klen) != len(key) || r.key0 != k0 {
			continue
		}
		if len(key) <= 8 || string(t.arena[r.koff+8:r.koff+r.klen]) == string(key[8:]) {
			return &r.e
		}
	}
}

// hashKey hashes a key 8 bytes at a time. Reading whole words keeps the
// tokenizer's byte loop free of a per-byte multiply chain (FNV-1a costs
// ~4 cycles a byte), and a word of up to 16 bytes, nearly every word, is
// one or two loads and one mix.
func hashKey[T string | []byte](k T) uint64 { return hashK0(key0(k), k) }

// hashK0 is hashKey with k0 = key0(k) already loaded.
func hashK0[T string | []byte](k0 uint64, k T) uint64 {
	var k1 uint64
	if len(k) > 8 {
		k1 = key0(k[8:])
	}
	h := mix(k0, k1, len(k))
	for i := 16; i < len(k); i += 8 {
		h = mix(h, key0(k[i:]), 0)
	}
	return h
}

// mix is a folded multiply (the 128-bit product's halves xored, as in
// wyhash) of the key bytes a and b and the length n: the high half
// depends on all the input bits and the xor folds it into the low half,
// so that the bloom bits, the slot (high bits) and the tag (low bits)
// spread as well as MurmurHash3's finaliser spread them (measured on the
// lexicon and the corpora), for one multiply where the finaliser chains
// two multiplies and three shifts before the lookup can start.
func mix(a, b uint64, n int) uint64 {
	hi, lo := bits.Mul64(a^0x9e3779b97f4a7c15, b^uint64(n)^0xbf58476d1ce4e5b9)
	return hi ^ lo
}

func (t *wordTable) bloomAdd(h uint64) {
	a, b := h>>16&0xffff, h>>48
	t.bloom[a>>6] |= 1 << (a & 63)
	t.bloom[b>>6] |= 1 << (b & 63)
}
