package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A profile is where one run's time goes, seen three ways: the Go runtime's
// own init trace, the run's system calls on a clock (perf trace or strace,
// when there is one), and secretenv's debug log of its AWS calls.
type profile struct {
	// GODEBUG=inittrace=1
	initTotal time.Duration // package initialization, summed
	initEnd   time.Duration // when the last init ended, since the runtime started
	initTop   []initStep    // the slowest packages

	// execve, connect and exit_group on a clock (perf trace, else strace),
	// since the execve of secretenv. Zero when neither works.
	tracer       string // the tool used
	traceErr     string // why none, when none
	firstConnect time.Duration
	lastConnect  time.Duration
	connects     int
	exec         time.Duration // execve of the command

	// SECRETENV_LOG_LEVEL=debug, SECRETENV_LOG_FORMAT=json: "aws call" records
	callDurations []time.Duration
}

type initStep struct {
	pkg   string
	clock time.Duration
}

var initLine = regexp.MustCompile(`^init (\S+) @([0-9.]+) ms, ([0-9.]+) ms clock`)

// runProfile runs sc three more times: with the init trace, with debug
// logging, and under a system call tracer.
func runProfile(ctx context.Context, env []string, sc scenario, dir string) (*profile, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*runTimeout)
	defer cancel()
	p := &profile{}

	out, err := runEnv(ctx, env, sc, "GODEBUG=inittrace=1")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(out, "\n") {
		m := initLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		at, _ := strconv.ParseFloat(m[2], 64)
		clock, _ := strconv.ParseFloat(m[3], 64)
		d := ms(clock)
		p.initTotal += d
		p.initEnd = max(p.initEnd, ms(at)+d)
		p.initTop = append(p.initTop, initStep{m[1], d})
	}
	sort.SliceStable(p.initTop, func(i, j int) bool { return p.initTop[i].clock > p.initTop[j].clock })
	p.initTop = p.initTop[:min(len(p.initTop), 4)]

	out, err = runEnv(ctx, env, sc, "SECRETENV_LOG_LEVEL=debug", "SECRETENV_LOG_FORMAT=json")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(out, "\n") {
		var rec struct {
			Msg      string `json:"message"`
			Duration string `json:"duration"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil || rec.Msg != "aws call" {
			continue
		}
		if d, err := time.ParseDuration(rec.Duration); err == nil {
			p.callDurations = append(p.callDurations, d)
		}
	}
	slices.Sort(p.callDurations)

	if err := p.traceSyscalls(ctx, env, sc, dir); err != nil {
		p.traceErr = err.Error()
	}
	return p, nil
}

// A tracer runs a command with its execve, connect and exit_group calls
// logged, and reads the log: each call's name and time since the command
// started (the first execve), in log order.
type tracer struct {
	name  string
	args  func(log string) []string
	parse func(line string) (call string, at float64, ok bool)
}

// tracers are tried in order. perf trace reads the kernel's tracepoints and
// barely slows the run; strace stops the process at each traced call (only
// those, with --seccomp-bpf), which slows a Go program's start noticeably.
var tracers = []tracer{
	{
		name: "perf",
		args: func(log string) []string {
			return []string{"trace", "-e", "execve,connect,exit_group", "-o", log, "--"}
		},
		// "  11.450 ( 0.103 ms): secretenv/4577 connect(fd: 8, ...) = -1 EINPROGRESS"
		// "       ? (         ): secretenv/4565  ... [continued]: execve()) = 0"
		parse: func(line string) (string, float64, bool) {
			stamp, rest, ok := strings.Cut(strings.TrimSpace(line), " ")
			if !ok {
				return "", 0, false
			}
			_, rest, ok = strings.Cut(rest, "): ")
			if !ok {
				return "", 0, false
			}
			_, call, _ := strings.Cut(rest, " ")
			call = strings.TrimSpace(call)
			if stamp == "?" && strings.Contains(call, "[continued]: execve()") {
				return "execve(", 0, true // the first execve began before the trace
			}
			ms, err := strconv.ParseFloat(stamp, 64)
			return call, ms / 1e3, err == nil
		},
	},
	{
		name: "strace",
		args: func(log string) []string {
			return []string{"-f", "-ttt", "-qq", "--seccomp-bpf", "-e", "trace=execve,connect,exit_group", "-o", log, "--"}
		},
		// "3668  1796056190.905874 execve(\"./secretenv\", ...) = 0"
		parse: func(line string) (string, float64, bool) {
			_, rest, _ := strings.Cut(line, " ")
			stamp, call, _ := strings.Cut(strings.TrimSpace(rest), " ")
			t, err := strconv.ParseFloat(stamp, 64)
			return call, t, err == nil
		},
	},
}

// traceSyscalls runs sc once under the first tracer that works.
func (p *profile) traceSyscalls(ctx context.Context, env []string, sc scenario, dir string) error {
	var errs []string
	for _, t := range tracers {
		err := p.trace(ctx, t, env, sc, dir)
		if err == nil {
			p.tracer = t.name
			return nil
		}
		errs = append(errs, err.Error())
	}
	return errors.New(strings.Join(errs, "; "))
}

func (p *profile) trace(ctx context.Context, t tracer, env []string, sc scenario, dir string) error {
	bin, err := osexec.LookPath(t.name)
	if err != nil {
		return fmt.Errorf("no %s in PATH", t.name)
	}
	log := filepath.Join(dir, t.name+".log")
	defer os.Remove(log)
	args := append(append(t.args(log), sc.path), sc.args...)
	cmd := osexec.CommandContext(ctx, bin, args...)
	cmd.Env = append(slices.Clip(env), sc.env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v: %s", t.name, err, firstLines(stderr.String(), 2))
	}
	b, err := os.ReadFile(log)
	if err != nil {
		return err
	}
	var t0 float64
	started := false
	p.connects, p.exec = 0, 0
	for _, line := range strings.Split(string(b), "\n") {
		call, at, ok := t.parse(line)
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(call, "execve(") && !started:
			t0, started = at, true
		case strings.HasPrefix(call, "execve(") && started:
			p.exec = secs(at - t0)
		case strings.HasPrefix(call, "connect(") && started:
			if p.connects == 0 {
				p.firstConnect = secs(at - t0)
			}
			p.connects++
			p.lastConnect = max(p.lastConnect, secs(at-t0))
		}
	}
	if p.exec == 0 {
		return fmt.Errorf("%s: no execve of the command in its log", t.name)
	}
	return nil
}

// runEnv runs sc once with extra settings and returns its stderr.
func runEnv(ctx context.Context, env []string, sc scenario, extra ...string) (string, error) {
	cmd := osexec.CommandContext(ctx, sc.path, sc.args...)
	cmd.Env = append(append(slices.Clip(env), sc.env...), extra...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s with %s: %v: %s", sc.name, strings.Join(extra, " "), err, firstLines(stderr.String(), 3))
	}
	return stderr.String(), nil
}

func ms(f float64) time.Duration   { return time.Duration(f * float64(time.Millisecond)) }
func secs(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
