package sentiment

import (
	"math"
	"strconv"
	"unicode"
)

// pyRound is Python's round(x, digits) on floats: the exact binary value of
// x is rounded to digits decimals, ties to even, and the decimal result is
// converted back to the nearest float. The reference rounds every score
// this way, so the last digit of VADER's output depends on it.
func pyRound(x float64, digits int) float64 {
	if x != x || math.IsInf(x, 0) || x == 0 {
		return x
	}
	p := pow10[digits]
	y := x * p
	// x*p is exact to within half an ulp of y; away from a tie the nearest
	// integer is therefore certain and cheap to find (one instruction,
	// keeping the sign of a negative x that rounds to zero, as Python).
	if k := math.RoundToEven(y); math.Abs(y-k) < 0.5-1e-6 && math.Abs(y) < 1<<52 {
		return k / p
	}
	// Near a tie: decide on the exact decimal expansion, as CPython does.
	var buf [64]byte
	b := strconv.AppendFloat(buf[:0], x, 'f', digits, 64)
	neg := false
	var m float64
	for _, c := range b {
		switch {
		case c == '-':
			neg = true
		case c >= '0' && c <= '9':
			m = m*10 + float64(c-'0')
		}
	}
	r := m / p
	if neg {
		r = -r
	}
	return r
}

var pow10 = [...]float64{1, 10, 100, 1000, 10000, 100000, 1e6, 1e7, 1e8}

// isPySpace reports whether Python's str.split() and str.strip() treat r as
// whitespace. Python also counts the ASCII separators 0x1C-0x1F, which Go's
// unicode.IsSpace does not.
func isPySpace(r rune) bool {
	if r < 0x80 {
		return asciiSpace[r]
	}
	return unicode.IsSpace(r)
}

var asciiSpace = [128]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true,
	0x1c: true, 0x1d: true, 0x1e: true, 0x1f: true}

// asciiPunct is Python's string.punctuation.
var asciiPunct = func() (t [256]bool) {
	for _, c := range "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" {
		t[c] = true
	}
	return t
}()

// runeIsUpper and runeIsLower follow CPython's Unicode database, whose
// "uppercase" and "lowercase" flags are the derived Uppercase and Lowercase
// properties (Lu/Ll plus Other_Uppercase/Other_Lowercase), not just Lu/Ll.
func runeIsUpper(r rune) bool {
	return unicode.IsUpper(r) || unicode.Is(unicode.Other_Uppercase, r)
}

func runeIsLower(r rune) bool {
	return unicode.IsLower(r) || unicode.Is(unicode.Other_Lowercase, r)
}
