package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
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
// own init trace, the run's system calls on a clock (strace, when there is
// one), and secretenv's debug log of its AWS calls.
type profile struct {
	// GODEBUG=inittrace=1
	initTotal time.Duration // package initialization, summed
	initEnd   time.Duration // when the last init ended, since the runtime started
	initTop   []initStep    // the slowest packages

	// strace -f -ttt of execve, connect and exit_group, since the execve of
	// secretenv. Zero when strace is not there.
	strace       string // why not, when not
	firstConnect time.Duration
	lastConnect  time.Duration
	connects     int
	exec         time.Duration // execve of the command
	straceWall   time.Duration // the traced run's fork to reap, for scale

	// SECRETENV_LOG_LEVEL=debug, SECRETENV_LOG_FORMAT=json: "aws call" records
	callDurations []time.Duration
}

type initStep struct {
	pkg   string
	clock time.Duration
}

var initLine = regexp.MustCompile(`^init (\S+) @([0-9.]+) ms, ([0-9.]+) ms clock`)

// runProfile runs sc three more times: with the init trace, under strace,
// and with debug logging.
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
			Msg      string `json:"msg"`
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
		p.strace = err.Error()
	}
	return p, nil
}

// traceSyscalls runs sc under strace, stopping only at execve, connect and
// exit_group (--seccomp-bpf), so the run is barely slower than untraced.
func (p *profile) traceSyscalls(ctx context.Context, env []string, sc scenario, dir string) error {
	strace, err := osexec.LookPath("strace")
	if err != nil {
		return fmt.Errorf("no strace in PATH")
	}
	log := filepath.Join(dir, "strace.log")
	defer os.Remove(log)
	args := []string{"-f", "-ttt", "-qq", "--seccomp-bpf", "-e", "trace=execve,connect,exit_group", "-o", log, "--", sc.path}
	cmd := osexec.CommandContext(ctx, strace, append(args, sc.args...)...)
	cmd.Env = append(slices.Clip(env), sc.env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("strace: %v: %s", err, firstLines(stderr.String(), 2))
	}
	p.straceWall = time.Since(start)
	f, err := os.Open(log)
	if err != nil {
		return err
	}
	defer f.Close()
	var t0 float64
	lines := bufio.NewScanner(f)
	lines.Buffer(nil, 1<<20)
	for lines.Scan() {
		// PID  SECONDS.MICROS SYSCALL(ARGS) = RESULT
		_, rest, _ := strings.Cut(lines.Text(), " ")
		stamp, call, _ := strings.Cut(strings.TrimSpace(rest), " ")
		t, err := strconv.ParseFloat(stamp, 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(call, "execve(") && t0 == 0:
			t0 = t
		case strings.HasPrefix(call, "execve("):
			p.exec = secs(t - t0)
		case strings.HasPrefix(call, "connect(") && strings.Contains(call, "AF_INET") && t0 != 0:
			if p.connects == 0 {
				p.firstConnect = secs(t - t0)
			}
			p.connects++
			p.lastConnect = secs(t - t0)
		}
	}
	if t0 == 0 || p.exec == 0 {
		return fmt.Errorf("strace: no execve in its log")
	}
	return lines.Err()
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
