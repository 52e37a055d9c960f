//go:build race

package loadtest

// raceEnabled: the race detector slows the generator and the fakes about
// tenfold, so the load is lighter and its latency is not judged.
const raceEnabled = true
