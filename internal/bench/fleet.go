package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	osexec "os/exec"
	"slices"
	"sync"
	"time"

	"github.com/secretenv/secretenv/internal/awsfake"
)

// fleetOptions describe a fleet that starts at once against a quota.
type fleetOptions struct {
	processes int
	refs      int     // SSM references per process, the same in every process
	rate      float64 // GetParameters requests a second the fake allows
	burst     int
	latency   time.Duration
	timeout   string // SECRETENV_TIMEOUT, "" for secretenv's default
}

// A fleetResult is what a fleet did.
type fleetResult struct {
	fleetOptions
	started  int             // processes that exec'd their command (exit 0)
	failed   map[string]int  // first stderr line of the others, counted
	wall     time.Duration   // first fork until the last process was reaped
	forkAll  time.Duration   // first fork until the last fork
	times    []time.Duration // each started process: its fork until it was reaped
	made     int             // GetParameters calls made
	throttle int             // of them answered ThrottlingException
	attempts []int           // GetParameters calls of each process
	perSec   []int           // processes started in each second after the first fork
}

// calls is the number of successful GetParameters calls the fleet needs.
func (f fleetOptions) calls() int { return f.processes * ((f.refs + 9) / 10) }

// minimum is the least time the quota allows: the bucket starts with burst
// tokens and refills at rate. When the burst covers every call, it is one
// round trip.
func (f fleetOptions) minimum() time.Duration {
	s := math.Max(0, float64(f.calls()-f.burst)) / f.rate
	return max(time.Duration(s*float64(time.Second)), f.latency)
}

// fleetSlack is how long after SECRETENV_TIMEOUT a fleet may run before the
// benchmark kills what is left.
const fleetSlack = 60 * time.Second

// runFleet starts f.processes secretenv processes at once, each with the same
// f.refs SSM references (the replicas of one task definition scaling out),
// against a fresh fake whose GetParameters takes f.rate requests a second
// with a burst of f.burst. Each process has its own access key id, so the
// fake's call log says which process made each call.
func runFleet(ctx context.Context, bins binaries, home string, f fleetOptions) (*fleetResult, error) {
	fake := awsfake.Start(awsfake.Latency(f.latency))
	defer fake.Close()
	env := baseEnv(fake.URL, home)
	for i := range f.refs {
		name := fmt.Sprintf("/fleet/app/param%02d", i)
		fake.PutParameter(awsfake.Parameter{Name: name, Type: "SecureString", Value: fmt.Sprintf("fleet-value-%02d", i)})
		env = append(env, fmt.Sprintf("FLEET_%02d=ssm:%s", i, name))
	}
	if f.timeout != "" {
		env = append(env, "SECRETENV_TIMEOUT="+f.timeout)
	}
	fake.RateLimit("GetParameters", f.rate, f.burst)

	limit := 30 * time.Second // SECRETENV_TIMEOUT's default
	if d, err := time.ParseDuration(f.timeout); err == nil {
		limit = max(limit, d)
	}
	ctx, cancel := context.WithTimeout(ctx, limit+fleetSlack)
	defer cancel()
	type done struct {
		at     time.Duration
		ok     bool
		stderr string
	}
	res := &fleetResult{fleetOptions: f, failed: map[string]int{}}
	results := make([]done, f.processes)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range f.processes {
		cmd := osexec.CommandContext(ctx, bins.secretenv, "--", bins.exit0)
		cmd.Env = append(slices.Clip(env), fmt.Sprintf("AWS_ACCESS_KEY_ID=AKIDFLEET%04d", i))
		stderr := &bytes.Buffer{}
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			cancel()
			wg.Wait()
			return nil, fmt.Errorf("fleet: process %d: %v", i, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := cmd.Wait()
			results[i] = done{at: time.Since(start), ok: err == nil, stderr: firstLines(stderr.String(), 1)}
			if err != nil && results[i].stderr == "" {
				results[i].stderr = err.Error()
			}
		}()
	}
	res.forkAll = time.Since(start)
	wg.Wait()
	res.wall = time.Since(start)

	for _, d := range results {
		if !d.ok {
			res.failed[d.stderr]++
			continue
		}
		res.started++
		res.times = append(res.times, d.at)
		sec := int(d.at / time.Second)
		for len(res.perSec) <= sec {
			res.perSec = append(res.perSec, 0)
		}
		res.perSec[sec]++
	}
	byProcess := map[string]int{}
	for _, c := range fake.CallsFor("GetParameters") {
		res.made++
		byProcess[c.AccessKeyID]++
		if c.ErrorCode == "ThrottlingException" {
			res.throttle++
		}
	}
	for _, n := range byProcess {
		res.attempts = append(res.attempts, n)
	}
	slices.Sort(res.attempts)
	return res, nil
}
