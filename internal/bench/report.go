package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// The targets.
const (
	maxManyRatio  = 1.5 // many references: time to exec, × floor
	maxNoneRatio  = 0.5 // no references: time to exec, × floor
	maxRSS        = 25 << 20
	maxSizeRatio  = 1.10 // stripped binary, × bare
	maxFleetRatio = 2.0  // fleet wall time, × the quota-bound minimum
	goodFleet     = 1.25
)

const mib = 1 << 20

func printSizes(w io.Writer, sizes map[string]int64, prebuilt string) {
	how := "CGO_ENABLED=0 go build " + strings.Join(buildFlags, " ")
	if prebuilt != "" {
		how = "secretenv given with -secretenv " + prebuilt + "; floor and bare: " + how
	}
	fmt.Fprintf(w, "binaries (%s)\n", how)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  secretenv\t%s\t%.2f× bare\n", megabytes(sizes["secretenv"]), ratio(sizes["secretenv"], sizes["bare"]))
	fmt.Fprintf(tw, "  bare\t%s\tconfig + ssm + secretsmanager, the 4 operations secretenv calls\n", megabytes(sizes["bare"]))
	fmt.Fprintf(tw, "  floor\t%s\tconfig + ssm, GetParameters\n", megabytes(sizes["floor"]))
	tw.Flush()
	fmt.Fprintln(w)
}

func printRows(w io.Writer, rows []*row, floor *row) {
	fmt.Fprintln(w, "time to exec (floor: to exit), medians")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tmedian\tmin – max\t× floor\tpeak RSS\t× floor\tCPU\tfake CPU\tcalls\t")
	for _, r := range rows {
		calls, same := r.calls()
		c := describeCalls(calls)
		if !same {
			c = "varies between runs"
		}
		wall := r.wall()
		fmt.Fprintf(tw, "%s\t%s\t%s – %s\t%.2f\t%.1f MiB\t%.2f\t%s\t%s\t%s\t\n", r.name,
			msec(median(wall)), msec(quantile(wall, 0)), msec(quantile(wall, 1)),
			float64(median(wall))/float64(median(floor.wall())),
			float64(r.rss())/mib, float64(r.rss())/float64(floor.rss()),
			msec(median(r.cpu())), msec(median(r.self())), c)
	}
	tw.Flush()
	fmt.Fprintln(w, "  CPU: user+system of the process, exec'd helper included; fake CPU: this process's meanwhile (the fake, and starting launch)")
}

// medianFleet is the fleet of median total time.
func medianFleet(fs []*fleetResult) *fleetResult {
	s := slices.Clone(fs)
	sort.Slice(s, func(i, j int) bool { return s[i].wall < s[j].wall })
	return s[len(s)/2]
}

// printFleets prints the median fleet in full, and every fleet's total.
func printFleets(w io.Writer, fs []*fleetResult) {
	f := medianFleet(fs)
	timeout := f.timeout
	if timeout == "" {
		timeout = "default (30s)"
	}
	fmt.Fprintf(w, "fleet: %d processes at once, the same %d SSM references each; GetParameters %g/s, burst %d, %v a request; SECRETENV_TIMEOUT %s\n",
		f.processes, f.refs, f.rate, f.burst, f.latency, timeout)
	var all []string
	for _, g := range fs {
		all = append(all, fmt.Sprintf("%s %d/%d", sec(g.wall), g.started, g.processes))
	}
	fmt.Fprintf(w, "  %d fleets (total time, started): %s; the median one:\n", len(fs), strings.Join(all, ", "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  started (exit 0)\t%d of %d\n", f.started, f.processes)
	for msg, n := range f.failed {
		fmt.Fprintf(tw, "  failed\t%d: %s\n", n, msg)
	}
	fmt.Fprintf(tw, "  total time\t%s (all forked after %s)\n", sec(f.wall), msec(f.forkAll))
	if f.calls() > f.burst {
		fmt.Fprintf(tw, "  quota-bound minimum\t%s = (%d calls - %d burst) / %g a second\n", sec(f.minimum()), f.calls(), f.burst, f.rate)
	} else {
		fmt.Fprintf(tw, "  quota-bound minimum\t%s, one round trip: the burst covers all %d calls\n", sec(f.minimum()), f.calls())
	}
	fmt.Fprintf(tw, "  ratio\t%.2f× the minimum\n", float64(f.wall)/float64(f.minimum()))
	if len(f.times) > 0 {
		fmt.Fprintf(tw, "  time to exec, since the first fork\tmedian %s, p90 %s, max %s\n",
			sec(quantile(f.times, 0.5)), sec(quantile(f.times, 0.9)), sec(quantile(f.times, 1)))
	}
	fmt.Fprintf(tw, "  GetParameters calls\t%d, %d throttled (%.1f a process; most by one process %d)\n",
		f.made, f.throttle, float64(f.made)/float64(f.processes), last(f.attempts))
	fmt.Fprintf(tw, "  started in each second\t%s\n", ints(f.perSec))
	tw.Flush()
	fmt.Fprintln(w)
}

func printProfile(w io.Writer, p *profile, rows map[string]*row, latency time.Duration) {
	many := rows["many"]
	fmt.Fprintf(w, "profile: one more run of %q\n", strings.TrimPrefix(many.name, "secretenv, "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  process start to exit, --version (median)\t%s\n", msec(median(rows["version"].wall())))
	fmt.Fprintf(tw, "  package init (inittrace), summed\t%s, the last ending %s after the runtime started\n", msec(p.initTotal), msec(p.initEnd))
	var top []string
	for _, s := range p.initTop {
		top = append(top, fmt.Sprintf("%s %s", s.pkg, msec(s.clock)))
	}
	fmt.Fprintf(tw, "  slowest inits\t%s\n", strings.Join(top, ", "))
	if p.tracer == "" {
		fmt.Fprintf(tw, "  system calls\tnot traced: %s\n", p.traceErr)
	} else {
		fmt.Fprintf(tw, "  %s: start to first connect\t%s: runtime, init, the environment, LoadConfig\n", p.tracer, msec(p.firstConnect))
		fmt.Fprintf(tw, "  %s: first to last of %d connects\t%s: every batch sent at once\n", p.tracer, p.connects, msec(p.lastConnect-p.firstConnect))
		fmt.Fprintf(tw, "  %s: last connect to execve(command)\t%s: the answers (the fake waits %v), decoding, the environment\n", p.tracer, msec(p.exec-p.lastConnect), latency)
		fmt.Fprintf(tw, "  %s: start to execve(command)\t%s\n", p.tracer, msec(p.exec))
	}
	if n := len(p.callDurations); n > 0 {
		fmt.Fprintf(tw, "  debug log: %d calls, each\tmin %s, median %s, max %s\n", n,
			msec(p.callDurations[0]), msec(p.callDurations[n/2]), msec(p.callDurations[n-1]))
	}
	fmt.Fprintf(tw, "  CPU (user+system), median\t%s for %s; %s for no references; %s for the floor\n",
		msec(median(many.cpu())), strings.TrimPrefix(many.name, "secretenv, "), msec(median(rows["none"].cpu())), msec(median(rows["floor"].cpu())))
	tw.Flush()
	fmt.Fprintln(w)
}

// A target is one of the issue's, with the figure measured.
type target struct {
	what, figure, want string
	pass               bool
}

func targets(r *report, o options) []target {
	floor := float64(median(r.rows["floor"].wall()))
	many, none := r.rows["many"], r.rows["none"]
	manyRatio := float64(median(many.wall())) / floor
	noneRatio := float64(median(none.wall())) / floor
	wantCalls := map[string]int{"GetParameters": (o.ssm + 9) / 10}
	if o.sm > 0 {
		wantCalls["BatchGetSecretValue"] = (o.sm + 19) / 20
	}
	calls, same := many.calls()
	sizeRatio := ratio(r.sizes["secretenv"], r.sizes["bare"])
	label := fmt.Sprintf("%d+%d references", o.ssm, o.sm)
	noneCalls, _ := none.calls()
	ts := []target{
		{label + ": time to exec", fmt.Sprintf("%.2f× floor", manyRatio), fmt.Sprintf("≤ %.2f×", maxManyRatio), manyRatio <= maxManyRatio},
		{label + ": calls", describeCalls(calls), "exactly " + describeCalls(wantCalls), same && sameCalls(calls, wantCalls)},
		{label + ": peak RSS", fmt.Sprintf("%.1f MiB", float64(many.rss())/mib), fmt.Sprintf("≤ %d MiB", maxRSS/mib), many.rss() <= maxRSS},
		{"no references: time to exec", fmt.Sprintf("%.2f× floor", noneRatio), fmt.Sprintf("≤ %.2f×", maxNoneRatio), noneRatio <= maxNoneRatio},
		{"no references: calls", describeCalls(noneCalls), "0", total(noneCalls) == 0},
		{"stripped binary", fmt.Sprintf("%.2f× bare (%s)", sizeRatio, megabytes(r.sizes["secretenv"])), fmt.Sprintf("≤ %.2f× (%s)", maxSizeRatio, megabytes(int64(maxSizeRatio*float64(r.sizes["bare"])))), sizeRatio <= maxSizeRatio},
	}
	if len(r.fleets) > 0 {
		f := medianFleet(r.fleets)
		started := f.processes
		for _, g := range r.fleets {
			started = min(started, g.started)
		}
		fr := float64(f.wall) / float64(f.minimum())
		verdict := fmt.Sprintf("≤ %.2f× (better ≤ %.2f×)", maxFleetRatio, goodFleet)
		figure := fmt.Sprintf("%.2f× minimum (median of %d: %s)", fr, len(r.fleets), sec(f.wall))
		if fr <= maxFleetRatio {
			better := "MISS"
			if fr <= goodFleet {
				better = "PASS"
			}
			figure += ", better: " + better
		}
		ts = append(ts,
			target{"fleet: started", fmt.Sprintf("%d of %d (fewest of %d fleets)", started, f.processes, len(r.fleets)), "all", started == f.processes},
			target{"fleet: total time", figure, verdict, fr <= maxFleetRatio},
		)
	}
	return ts
}

func sameCalls(got, want map[string]int) bool {
	if total(got) != total(want) {
		return false
	}
	for a, n := range want {
		if got[a] != n {
			return false
		}
	}
	return true
}

func printTargets(w io.Writer, ts []target) {
	fmt.Fprintln(w, "targets")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range ts {
		v := "MISS"
		if t.pass {
			v = "PASS"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", t.what, t.figure, t.want, v)
	}
	tw.Flush()
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func megabytes(n int64) string { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }

func msec(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

func sec(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func ints(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, " ")
}

func last(v []int) int {
	if len(v) == 0 {
		return 0
	}
	return v[len(v)-1]
}
