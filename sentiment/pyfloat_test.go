package sentiment

import (
	"math"
	"testing"
)

// TestPyRound holds pyRound to CPython's round(x, digits), whose outputs
// these are: ties go to even on the exact binary value, and a negative
// value that rounds to zero keeps its sign.
func TestPyRound(t *testing.T) {
	for _, c := range []struct {
		x      float64
		digits int
		want   float64
	}{
		{0.125, 2, 0.12}, // an exact tie: to even
		{0.375, 2, 0.38},
		{2.675, 2, 2.67}, // just below the tie in binary
		{0.4445, 3, 0.445},
		{1.0005, 3, 1.0},
		{-0.5555, 3, -0.555},
		{0.00005, 4, 0.0001},
		{-0.00004, 4, math.Copysign(0, -1)},
		{-0.00001, 3, math.Copysign(0, -1)},
		{0.9999, 3, 1.0},
		{0.6249, 4, 0.6249},
		{-0.8316, 4, -0.8316},
		{0.30000000000000004, 3, 0.3},
		{-2.5, 0, -2},
		{3.5, 0, 4},
		{1e300, 3, 1e300},
		{0, 3, 0},
	} {
		got := pyRound(c.x, c.digits)
		if got != c.want || math.Signbit(got) != math.Signbit(c.want) {
			t.Errorf("pyRound(%v, %d) = %v, want %v", c.x, c.digits, got, c.want)
		}
	}
}
