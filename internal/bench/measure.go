package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	osexec "os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/secretenv/secretenv/internal/awsfake"
)

// A scenario is one program run the same way every time.
type scenario struct {
	key  string // how the report finds it
	name string // what the table calls it
	path string
	args []string
	env  []string // added to the base environment
}

// A sample is one run of a scenario.
type sample struct {
	wall  time.Duration // fork until the process (after its exec, the exit helper) was reaped
	cpu   time.Duration // user + system time of the process, the exec'd command included
	self  time.Duration // user + system time of this process meanwhile: the fake's work
	rss   int64         // peak resident set, bytes
	calls map[string]int
}

// A row is a scenario's samples, summarized.
type row struct {
	scenario
	samples []sample
}

// baseEnv is the environment of every run: the SDK's settings aimed at the
// fake, static credentials, no instance metadata, and no shared config or
// credentials file of the person running the benchmark.
func baseEnv(endpoint, home string) []string {
	return []string{
		"PATH=/usr/bin:/bin",
		"HOME=" + home,
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_REGION=" + awsfake.DefaultRegion,
		"AWS_ACCESS_KEY_ID=AKIDBENCH",
		"AWS_SECRET_ACCESS_KEY=bench",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + home + "/no-aws-config",
		"AWS_SHARED_CREDENTIALS_FILE=" + home + "/no-aws-credentials",
	}
}

// runTimeout bounds one run of a scenario; a run that takes longer is killed
// and is an error.
const runTimeout = 60 * time.Second

// runOnce runs a scenario once through launch and measures it. The fake's
// call log is emptied before and read after, so the runs must not overlap.
func runOnce(ctx context.Context, fake *awsfake.Server, launch string, env []string, sc scenario) (sample, error) {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	fake.ResetCalls()
	cmd := osexec.CommandContext(ctx, launch, append([]string{sc.path}, sc.args...)...)
	cmd.Env = append(slices.Clip(env), sc.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	self := selfCPU()
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("%s: %v: %s", sc.name, err, firstLines(stderr.String(), 5))
	}
	self = selfCPU() - self
	var wall, rss, user, sys int64
	if _, err := fmt.Sscan(stdout.String(), &wall, &rss, &user, &sys); err != nil {
		return sample{}, fmt.Errorf("%s: launch printed %q: %v", sc.name, stdout.String(), err)
	}
	s := sample{
		wall:  time.Duration(wall),
		cpu:   time.Duration(user + sys),
		self:  self,
		rss:   rss * 1024, // ru_maxrss is in KiB on Linux
		calls: map[string]int{},
	}
	for _, c := range fake.Calls() {
		s.calls[c.Action]++
	}
	return s, nil
}

// selfCPU is the user and system time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs every scenario runs times, round-robin, after one round that
// is not counted (it fills the page cache and the fake's pools), so that a
// machine that gets busier for a while slows every scenario alike.
//
// This process's garbage collector runs between runs, never during one: the
// fake shares the machine with the program measured, and a collection of
// its garbage would land on whichever run was going.
func measure(ctx context.Context, fake *awsfake.Server, launch string, env []string, scs []scenario, runs int) ([]*row, error) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	rows := make([]*row, len(scs))
	for i, sc := range scs {
		rows[i] = &row{scenario: sc}
	}
	for round := 0; round <= runs; round++ {
		for _, r := range rows {
			runtime.GC()
			s, err := runOnce(ctx, fake, launch, env, r.scenario)
			if err != nil {
				return nil, err
			}
			if round > 0 {
				r.samples = append(r.samples, s)
			}
		}
	}
	return rows, nil
}

func (r *row) wall() []time.Duration {
	d := make([]time.Duration, len(r.samples))
	for i, s := range r.samples {
		d[i] = s.wall
	}
	return d
}

func (r *row) cpu() []time.Duration {
	d := make([]time.Duration, len(r.samples))
	for i, s := range r.samples {
		d[i] = s.cpu
	}
	return d
}

func (r *row) self() []time.Duration {
	d := make([]time.Duration, len(r.samples))
	for i, s := range r.samples {
		d[i] = s.self
	}
	return d
}

// rss is the median peak RSS in bytes.
func (r *row) rss() int64 {
	v := make([]int64, len(r.samples))
	for i, s := range r.samples {
		v[i] = s.rss
	}
	return median(v)
}

// calls is the number of calls of each run, when every run made the same,
// and whether they did.
func (r *row) calls() (map[string]int, bool) {
	if len(r.samples) == 0 {
		return nil, false
	}
	first := r.samples[0].calls
	for _, s := range r.samples[1:] {
		if !maps.Equal(s.calls, first) {
			return first, false
		}
	}
	return first, true
}

func total(calls map[string]int) int {
	n := 0
	for _, c := range calls {
		n += c
	}
	return n
}

// describeCalls renders calls as "23 (20 GetParameters, 3 BatchGetSecretValue)".
func describeCalls(calls map[string]int) string {
	if total(calls) == 0 {
		return "0"
	}
	actions := slices.Collect(maps.Keys(calls))
	sort.Slice(actions, func(i, j int) bool {
		if calls[actions[i]] != calls[actions[j]] {
			return calls[actions[i]] > calls[actions[j]]
		}
		return actions[i] < actions[j]
	})
	parts := make([]string, len(actions))
	for i, a := range actions {
		parts[i] = fmt.Sprintf("%d %s", calls[a], a)
	}
	return fmt.Sprintf("%d (%s)", total(calls), strings.Join(parts, ", "))
}

func median[T int64 | time.Duration](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// quantile is the q-quantile of v by the nearest rank.
func quantile(v []time.Duration, q float64) time.Duration {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(strings.TrimSpace(s), "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}
