//go:build linux

package exec

// As in Go's own os/exec tests, the test binary plays every process the
// tests need: run with SECRETENV_TEST_HELPER=1, it is the helper named by
// its first argument instead of a test run. Helpers report on descriptor 3,
// one line at a time, when the test gave them one.

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const helperEnv = "SECRETENV_TEST_HELPER"

// helpers are the processes the test binary can play, by name; each test
// file adds its own.
var helpers = map[string]func(args []string) int{}

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" && len(os.Args) > 1 {
		h, ok := helpers[os.Args[1]]
		if !ok {
			fmt.Fprintf(os.Stderr, "unknown helper %q\n", os.Args[1])
			os.Exit(2)
		}
		os.Exit(h(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// report writes one line to descriptor 3, if the test gave one.
func report(format string, a ...any) {
	reportMu.Lock()
	defer reportMu.Unlock()
	if reportFile == nil {
		reportFile = os.NewFile(3, "report")
	}
	fmt.Fprintf(reportFile, format+"\n", a...)
}

var (
	reportMu   sync.Mutex
	reportFile *os.File
)

// helperEnviron is the environment of a helper: the test's own, with the
// race detector (under -race) told not to linger at exit.
func helperEnviron() []string {
	env := append(os.Environ(), helperEnv+"=1")
	if os.Getenv("GORACE") == "" {
		env = append(env, "GORACE=atexit_sleep_ms=0")
	}
	return env
}

// helper is a running helper process, seen from the test.
type helper struct {
	t     *testing.T
	cmd   *osexec.Cmd
	lines chan string
	out   *syncBuffer
	done  chan struct{}
	state *os.ProcessState

	mu      sync.Mutex
	started []string // PIDs of commands a supervisor started
}

type helperOpts struct {
	pid1   bool     // PID 1 of new PID and mount namespaces
	env    []string // environment, added to the test's
	stdio  *os.File // stdin, stdout and stderr; a buffer if nil
	setsid bool     // new session, with stdio as its controlling terminal
}

// startHelper runs the test binary as the helper args[0].
func startHelper(t *testing.T, o helperOpts, args ...string) *helper {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := osexec.Command(os.Args[0], args...)
	cmd.Env = append(helperEnviron(), o.env...)
	cmd.ExtraFiles = []*os.File{w}
	cmd.WaitDelay = 5 * time.Second // a stray grandchild may hold stdout
	h := &helper{t: t, cmd: cmd, lines: make(chan string, 100), out: &syncBuffer{}, done: make(chan struct{})}
	if o.stdio != nil {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = o.stdio, o.stdio, o.stdio
	} else {
		cmd.Stdout, cmd.Stderr = h.out, h.out
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if o.pid1 {
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWPID | syscall.CLONE_NEWNS
		cmd.Env = append(cmd.Env, "SECRETENV_TEST_MOUNT_PROC=1")
	}
	if o.setsid {
		cmd.SysProcAttr.Setsid = true
		cmd.SysProcAttr.Setctty = true
		cmd.SysProcAttr.Ctty = 0
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper %v: %v", args, err)
	}
	w.Close()
	go func() {
		defer close(h.lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l := sc.Text()
			if pid, ok := strings.CutPrefix(l, "sup started "); ok && !o.pid1 {
				h.mu.Lock()
				h.started = append(h.started, pid)
				h.mu.Unlock()
			}
			h.lines <- l
		}
		r.Close()
	}()
	go func() {
		cmd.Wait()
		h.state = cmd.ProcessState
		close(h.done)
	}()
	t.Cleanup(func() {
		select {
		case <-h.done:
		default:
			cmd.Process.Kill()
			<-h.done
		}
		// A command left behind by a failed test (a PID 1's dies with
		// its namespace).
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, pid := range h.started {
			if n, err := strconv.Atoi(pid); err == nil {
				syscall.Kill(n, syscall.SIGKILL)
			}
		}
	})
	return h
}

// expect waits for a line that starts with prefix, and returns it.
func (h *helper) expect(prefix string) string {
	h.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-h.lines:
			if !ok {
				h.t.Fatalf("helper closed its report before %q; output:\n%s", prefix, h.out)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
			h.t.Logf("report: %s", l)
		case <-timeout:
			h.t.Fatalf("no %q from helper in 10s; output:\n%s", prefix, h.out)
		}
	}
}

// rest returns the report lines that are left, once the helper has exited.
func (h *helper) rest() []string {
	h.wait()
	var l []string
	for s := range h.lines {
		l = append(l, s)
	}
	return l
}

// wait waits for the helper to exit and returns its exit status, or
// 128+N for signal N.
func (h *helper) wait() int {
	h.t.Helper()
	select {
	case <-h.done:
	case <-time.After(15 * time.Second):
		h.t.Fatalf("helper did not exit in 15s; output:\n%s", h.out)
	}
	ws := h.state.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

func (h *helper) signal(sig syscall.Signal) {
	h.t.Helper()
	if err := h.cmd.Process.Signal(sig); err != nil {
		h.t.Fatalf("signal %v: %v", sig, err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// field returns the value of key=value in a report line.
func field(t *testing.T, line, key string) string {
	t.Helper()
	for _, f := range strings.Fields(line) {
		if k, v, ok := strings.Cut(f, "="); ok && k == key {
			return v
		}
	}
	t.Fatalf("no %s= in %q", key, line)
	return ""
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// procState returns the state letter of /proc/PID/stat.
func procState(pid int) (byte, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0, fmt.Errorf("bad stat %q", b)
	}
	return b[i+2], nil
}

// zombies lists the processes of /proc in state Z.
func zombies() []string {
	var z []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		if st, err := procState(pid); err == nil && st == 'Z' {
			z = append(z, strconv.Itoa(pid))
		}
	}
	if len(z) == 0 {
		return []string{"none"}
	}
	return z
}

// status returns a field of /proc/PID/status, such as SigBlk.
func statusField(status, key string) string {
	for _, l := range strings.Split(status, "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// needRoot skips a test that needs root: new namespaces.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create PID and mount namespaces (CI runs as root)")
	}
}
