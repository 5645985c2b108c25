package bench

import "runtime"

// runtimeAllocs snapshots the process's heap allocation count.
type runtimeAllocs struct{ mallocs uint64 }

func (r *runtimeAllocs) read() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.mallocs = ms.Mallocs
}

// since returns allocations per text between two snapshots.
func (r runtimeAllocs) since(start runtimeAllocs, iters, texts int) float64 {
	if iters == 0 || texts == 0 {
		return 0
	}
	return float64(r.mallocs-start.mallocs) / float64(iters) / float64(texts)
}
