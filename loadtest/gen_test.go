package loadtest

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The load's shape: flags, or the environment (for scripts and CI).
var (
	loadRate     = flag.Int("load.rate", envInt("LOADTEST_RATE", defaultRate()), "requests per second to each endpoint (LOADTEST_RATE)")
	loadDuration = flag.Duration("load.duration", envDuration("LOADTEST_DURATION", 2*time.Second), "how long each endpoint is driven (LOADTEST_DURATION)")
)

// defaultRate is 2,000 a second, or 200 under the race detector.
func defaultRate() int {
	if raceEnabled {
		return 200
	}
	return 2000
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil && n > 0 {
		return n
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil && d > 0 {
		return d
	}
	return def
}

// outcome is one request's result.
type outcome struct {
	status  int           // 0: no HTTP answer
	err     string        // transport error, if any
	latency time.Duration // from when the request was due to the end of the answer
	service time.Duration // from when it was sent
}

// run sends rate requests a second for d, open loop: request i is due at
// start + i/rate whether or not earlier ones were answered, so a slow server
// shows as latency, not as a lower rate. build makes request i.
func run(client *http.Client, rate int, d time.Duration, build func(i int) *http.Request) []outcome {
	n := int(float64(rate) * d.Seconds())
	out := make([]outcome, n)
	interval := time.Second / time.Duration(rate)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n; {
		now := time.Now()
		for ; i < n && !start.Add(time.Duration(i)*interval).After(now); i++ {
			due := start.Add(time.Duration(i) * interval)
			wg.Add(1)
			go func(i int, due time.Time) {
				defer wg.Done()
				req := build(i)
				sent := time.Now()
				res, err := client.Do(req)
				o := &out[i]
				if err != nil {
					o.err = err.Error()
				} else {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					o.status = res.StatusCode
				}
				o.service, o.latency = time.Since(sent), time.Since(due)
			}(i, due)
		}
		time.Sleep(200 * time.Microsecond)
	}
	wg.Wait()
	return out
}

// summary is what a run amounts to.
type summary struct {
	requests      int
	byStatus      map[int]int
	errors        map[string]int // transport errors by message
	p50, p99, max time.Duration  // of the acknowledgement, from when each request was due
	service99     time.Duration  // p99 from when each was sent
	took          time.Duration
}

func summarise(out []outcome, took time.Duration) summary {
	s := summary{requests: len(out), byStatus: map[int]int{}, errors: map[string]int{}, took: took}
	lat := make([]time.Duration, 0, len(out))
	svc := make([]time.Duration, 0, len(out))
	for _, o := range out {
		if o.err != "" {
			s.errors[o.err]++
			continue
		}
		s.byStatus[o.status]++
		lat = append(lat, o.latency)
		svc = append(svc, o.service)
	}
	slices.Sort(lat)
	slices.Sort(svc)
	if len(lat) > 0 {
		s.p50, s.p99, s.max = quantile(lat, 0.50), quantile(lat, 0.99), lat[len(lat)-1]
		s.service99 = quantile(svc, 0.99)
	}
	return s
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// answered is the number of requests that got an HTTP answer.
func (s summary) answered() int {
	n := 0
	for _, c := range s.byStatus {
		n += c
	}
	return n
}

func (s summary) String() string {
	var codes []string
	for _, code := range slices.Sorted(func(yield func(int) bool) {
		for c := range s.byStatus {
			if !yield(c) {
				return
			}
		}
	}) {
		codes = append(codes, fmt.Sprintf("%d×%d", s.byStatus[code], code))
	}
	var errs []string
	for e, c := range s.errors {
		errs = append(errs, fmt.Sprintf("%d× %s", c, e))
	}
	return fmt.Sprintf("%d requests in %v (%.0f/s): %s; transport errors: %d %v; ack latency p50 %v, p99 %v, max %v (p99 from send %v)",
		s.requests, s.took.Round(time.Millisecond), float64(s.requests)/s.took.Seconds(), strings.Join(codes, " "),
		s.requests-s.answered(), errs, s.p50.Round(10*time.Microsecond), s.p99.Round(10*time.Microsecond), s.max.Round(time.Millisecond),
		s.service99.Round(10*time.Microsecond))
}

// procMemory reads a process's resident memory now and at its peak, in MiB.
func procMemory(pid int) (rss, peak float64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[0], 64)
		switch k {
		case "VmRSS":
			rss = kb / 1024
		case "VmHWM":
			peak = kb / 1024
		}
	}
	return rss, peak
}

// procCPU is the CPU time a process has used, user and system.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: utime and stime are the 12th and 13th.
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	user, _ := strconv.ParseInt(f[11], 10, 64)
	sys, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(user+sys) * time.Second / 100 // USER_HZ is 100 on Linux
}

// sampler records a process's resident memory every interval until stopped.
type sampler struct {
	mu   sync.Mutex
	max  float64
	stop chan struct{}
	done chan struct{}
}

func sampleMemory(pid int, every time.Duration) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			rss, _ := procMemory(pid)
			s.mu.Lock()
			s.max = max(s.max, rss)
			s.mu.Unlock()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends the sampling and returns the highest resident memory seen, in MiB.
func (s *sampler) Stop() float64 {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.max
}

// skipShort skips a load test under -short.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("load test (skipped under -short)")
	}
}
