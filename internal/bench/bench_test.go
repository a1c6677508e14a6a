package main

import (
	"bytes"
	"context"
	"maps"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs the whole benchmark, small: it proves that the harness
// builds, runs, counts and prints, not how fast secretenv is. No timing is
// asserted.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four binaries and starts a few dozen processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	o := options{
		latency: 2 * time.Millisecond, runs: 2, ssm: 10, sm: 2,
		// 5 processes against 2 calls a second with a burst of 2: three
		// of them are throttled at first and must retry.
		fleet: 5, fleetRuns: 1, fleetRefs: 10, rate: 2, burst: 2,
		profile: true,
	}
	var out bytes.Buffer
	r, err := bench(ctx, o, &out)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	t.Log("\n" + out.String())

	for _, name := range []string{"secretenv", "bare", "floor"} {
		if r.sizes[name] == 0 {
			t.Errorf("size of %s = 0", name)
		}
	}
	wantCalls := map[string]map[string]int{
		"floor": {"GetParameters": 1},
		"none":  {},
		"one":   {"GetParameters": 1},
		"many":  {"GetParameters": 1, "BatchGetSecretValue": 1},
		"check": {"GetParameters": 1, "BatchGetSecretValue": 1},
	}
	for key, want := range wantCalls {
		row := r.rows[key]
		if row == nil {
			t.Errorf("no row %q", key)
			continue
		}
		if len(row.samples) != o.runs {
			t.Errorf("%s: %d samples, want %d", key, len(row.samples), o.runs)
		}
		if got, same := row.calls(); !same || !maps.Equal(got, want) {
			t.Errorf("%s: calls %v (same in every run: %v), want %v", key, got, same, want)
		}
		if row.rss() <= 0 || median(row.wall()) <= 0 {
			t.Errorf("%s: peak RSS %d, median %v; want both positive", key, row.rss(), median(row.wall()))
		}
	}
	if len(r.fleets) != 1 {
		t.Fatalf("%d fleets, want 1", len(r.fleets))
	}
	if f := r.fleets[0]; f.started != o.fleet || f.throttle == 0 {
		t.Errorf("fleet: %d of %d started, %d throttled; want all started after some throttling (failures: %v)",
			f.started, o.fleet, f.throttle, f.failed)
	}
	if p := r.profile; p == nil || p.initTotal == 0 || len(p.callDurations) != 2 {
		t.Errorf("profile %+v: want an init total and 2 calls from the debug log", p)
	}
	for _, want := range []string{"binaries", "time to exec", "fleet:", "profile:", "targets"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output has no %q", want)
		}
	}
}

func TestExit0(t *testing.T) {
	path, err := writeExit0(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := exec.Command(path).Run(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestParseFlags(t *testing.T) {
	var stderr bytes.Buffer
	o, err := parseFlags(nil, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if o.runs < 9 || o.latency != 10*time.Millisecond || o.ssm != 200 || o.sm != 50 || o.fleet != 200 || o.rate != 20 || o.burst != 20 {
		t.Errorf("defaults %+v, want the issue's: 9 runs, 10ms, 200+50 references, a fleet of 200 at 20/s burst 20", o)
	}
	for _, args := range [][]string{{"-runs", "0"}, {"-ssm", "0"}, {"-fleet", "-1"}, {"-rate", "0"}, {"extra"}} {
		if _, err := parseFlags(args, &stderr); err == nil {
			t.Errorf("parseFlags(%q) = nil error, want one", args)
		}
	}
}
