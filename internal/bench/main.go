// Command bench measures what secretenv adds to a container's start, against
// the local AWS fake (internal/awsfake) with a set latency on every request.
//
//	go run ./internal/bench [-latency 10ms] [-runs 21] [-ssm 200] [-sm 50] [-fleet 200]
//
// It builds secretenv (the module root), floor/, bare/ and launch/ as a
// release is built (CGO_ENABLED=0 go build -trimpath -ldflags '-s -w'),
// starts the fake in this process, and runs each scenario as real
// processes, round-robin, after one uncounted round, each through launch,
// which forks it and reports its wall time and rusage:
//
//   - floor: LoadDefaultConfig and one GetParameters call, nothing else; the
//     least any Go program that reads one parameter can cost. Its time is
//     fork to exit.
//   - secretenv --version, and secretenv with no references, one reference,
//     and -ssm SSM plus -sm Secrets Manager references. Its time is fork to
//     exec: secretenv execs a helper whose only instruction is exit_group(0),
//     and the time ends when that is reaped.
//
// For each it prints the median time (with min and max), the AWS calls the
// fake logged, the peak RSS and the CPU time, and ratios to the floor
// measured in the same run. Peak RSS is ru_maxrss. Linux carries the
// high-water mark across execve, both ways: the helper is a few pages, so
// the figure is secretenv's own (the --check row, which execs nothing, shows
// the same); and a child starts from the mark of the memory it was forked
// from, which is why launch, not this process, forks it.
//
// The fleet starts -fleet secretenv processes at once, -fleet-refs SSM
// references each, against a fake that allows -rate GetParameters a second
// with a burst of -burst, and prints how many started and how long the fleet
// took against the least the quota allows. It runs -fleet-runs times, as
// jittered backoff makes each fleet different; the median is the figure.
//
// The profile reruns the many-references scenario once with the Go runtime's
// init trace, once with secretenv's debug log of its calls, and once under
// perf trace (else strace) of execve, connect and exit_group.
//
// -secretenv PATH measures a prebuilt binary, such as a prototype, instead
// of building the module root, against the same floor.
//
// Targets are printed with PASS or MISS, never asserted: timings on a shared
// machine are evidence, not tests. The exit status is 0 when the benchmark
// ran, whatever the figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/secretenv/secretenv/internal/awsfake"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the benchmark's flags.
type options struct {
	latency   time.Duration
	runs      int
	ssm, sm   int
	fleet     int
	fleetRuns int
	fleetRefs int
	rate      float64
	burst     int
	timeout   string
	secretenv string
	profile   bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.latency, "latency", 10*time.Millisecond, "latency the fake adds to every AWS request")
	fs.IntVar(&o.runs, "runs", 21, "counted runs of each scenario, at least 9 for the issue (the median is printed)")
	fs.IntVar(&o.ssm, "ssm", 200, "SSM references in the many-references scenario")
	fs.IntVar(&o.sm, "sm", 50, "Secrets Manager references in the many-references scenario")
	fs.IntVar(&o.fleet, "fleet", 200, "processes in the fleet simulation (0: none)")
	fs.IntVar(&o.fleetRuns, "fleet-runs", 3, "fleets run one after another (the median is in the targets)")
	fs.IntVar(&o.fleetRefs, "fleet-refs", 10, "SSM references of each fleet process")
	fs.Float64Var(&o.rate, "rate", 20, "GetParameters requests a second the fleet's fake allows")
	fs.IntVar(&o.burst, "burst", 20, "burst of the fleet's quota")
	fs.StringVar(&o.timeout, "fleet-timeout", "", "SECRETENV_TIMEOUT of the fleet (default: secretenv's own)")
	fs.StringVar(&o.secretenv, "secretenv", "", "measure this secretenv binary instead of building the module root")
	fs.BoolVar(&o.profile, "profile", true, "profile one many-references run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.runs < 1 || o.runs > 1000:
		return o, errors.New("-runs: want 1 to 1000")
	case o.ssm < 1 || o.sm < 0 || o.ssm+o.sm > 2000:
		return o, errors.New("-ssm, -sm: want at least one SSM reference and at most 2000 in all")
	case o.fleet < 0 || o.fleet > 1000:
		return o, errors.New("-fleet: want 0 to 1000")
	case o.fleetRuns < 1 || o.fleetRuns > 20:
		return o, errors.New("-fleet-runs: want 1 to 20")
	case o.fleetRefs < 1 || o.fleetRefs > 100:
		return o, errors.New("-fleet-refs: want 1 to 100")
	case o.rate <= 0 || o.burst < 1:
		return o, errors.New("-rate, -burst: want positive numbers")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "bench:", err)
		}
		return 2
	}
	fmt.Fprintf(stdout, "$ go run ./internal/bench %s\n", strings.Join(args, " "))
	if _, err := bench(ctx, o, stdout); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	return 0
}

// A report is what one benchmark found, for the smoke test.
type report struct {
	sizes   map[string]int64
	rows    map[string]*row
	fleets  []*fleetResult
	profile *profile
	targets []target
}

// bench builds, measures and prints; w gets each section as it is done.
func bench(ctx context.Context, o options, w io.Writer) (*report, error) {
	dir, err := os.MkdirTemp("", "secretenv-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	fmt.Fprintf(w, "%s %s/%s, %d CPUs, load average %s; fake in-process on 127.0.0.1, %v a request; %d runs a scenario\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), loadavg(), o.latency, o.runs)
	bins, err := build(ctx, dir, o.secretenv)
	if err != nil {
		return nil, err
	}
	r := &report{
		sizes: map[string]int64{
			"secretenv": fileSize(bins.secretenv),
			"bare":      fileSize(bins.bare),
			"floor":     fileSize(bins.floor),
		},
		rows: map[string]*row{},
	}
	printSizes(w, r.sizes, o.secretenv)

	fake := awsfake.Start(awsfake.Latency(o.latency))
	defer fake.Close()
	env := baseEnv(fake.URL, dir)
	refs := seed(fake, o.ssm, o.sm)
	scs := scenarios(bins, refs, o.ssm, o.sm)
	rows, err := measure(ctx, fake, bins.launch, env, scs, o.runs)
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		r.rows[row.key] = row
	}
	printRows(w, rows, r.rows["floor"])
	fmt.Fprintf(w, "  load average after: %s\n\n", loadavg())

	if o.fleet > 0 {
		fo := fleetOptions{processes: o.fleet, refs: o.fleetRefs, rate: o.rate, burst: o.burst, latency: o.latency, timeout: o.timeout}
		for range o.fleetRuns {
			f, err := runFleet(ctx, bins, dir, fo)
			if err != nil {
				return nil, err
			}
			r.fleets = append(r.fleets, f)
		}
		printFleets(w, r.fleets)
	}
	if o.profile {
		if r.profile, err = runProfile(ctx, env, r.rows["many"].scenario, dir); err != nil {
			return nil, err
		}
		printProfile(w, r.profile, r.rows, o.latency)
	}
	r.targets = targets(r, o)
	printTargets(w, r.targets)
	return r, nil
}

// seed puts nSSM SecureString parameters and nSM secrets in the fake and
// returns the environment variables that reference them.
func seed(fake *awsfake.Server, nSSM, nSM int) []string {
	var refs []string
	for i := range nSSM {
		name := fmt.Sprintf("/bench/app/param%04d", i)
		fake.PutParameter(awsfake.Parameter{Name: name, Type: "SecureString", Value: fmt.Sprintf("parameter-value-%04d-0123456789abcdef", i)})
		refs = append(refs, fmt.Sprintf("BENCH_SSM_%04d=ssm:%s", i, name))
	}
	for i := range nSM {
		name := fmt.Sprintf("bench/app/secret%04d", i)
		fake.PutSecret(awsfake.Secret{Name: name, String: fmt.Sprintf("secret-value-%04d-0123456789abcdef", i)})
		refs = append(refs, fmt.Sprintf("BENCH_SM_%04d=secretsmanager:%s", i, name))
	}
	return refs
}

// scenarios are the rows of the table, the floor first.
func scenarios(b binaries, refs []string, nSSM, nSM int) []scenario {
	many := fmt.Sprintf("%d SSM + %d Secrets Manager references", nSSM, nSM)
	return []scenario{
		{key: "floor", name: "floor: LoadDefaultConfig + 1 GetParameters", path: b.floor, args: []string{"/bench/app/param0000"}},
		{key: "exit0", name: "exit helper alone (in every secretenv figure)", path: b.exit0},
		{key: "version", name: "secretenv --version (start, runtime, init)", path: b.secretenv, args: []string{"--version"}},
		{key: "none", name: "secretenv, no references", path: b.secretenv, args: []string{"--", b.exit0}},
		{key: "one", name: "secretenv, 1 SSM reference", path: b.secretenv, args: []string{"--", b.exit0}, env: refs[:1]},
		{key: "many", name: "secretenv, " + many, path: b.secretenv, args: []string{"--", b.exit0}, env: refs},
		{key: "check", name: "secretenv --check, same (no exec)", path: b.secretenv, args: []string{"--check"}, env: refs},
	}
}

// loadavg is the system's 1, 5 and 15 minute load averages, for the record:
// the figures of a busy machine are not those of an idle one.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
