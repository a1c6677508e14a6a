//go:build linux

package exec

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tree makes files and directories under a new temporary directory:
// "name" is a file with mode, "name/" a directory.
func tree(t *testing.T, files map[string]os.FileMode) string {
	t.Helper()
	root := t.TempDir()
	for name, mode := range files {
		p := filepath.Join(root, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // past the umask
			t.Fatal(err)
		}
	}
	return root
}

func TestLookPath(t *testing.T) {
	root := tree(t, map[string]os.FileMode{
		"bin1/prog":   0o755,
		"bin2/prog":   0o755,
		"noexec/prog": 0o644,
		"dirs/prog/":  0,
		"cwd/prog":    0o755,
		"empty/":      0,
		"file":        0o755,
	})
	t.Chdir(filepath.Join(root, "cwd"))
	dir := func(d string) string { return filepath.Join(root, d) }
	path := func(ds ...string) string {
		var l []string
		for _, d := range ds {
			if d != "" {
				d = dir(d)
			}
			l = append(l, d)
		}
		return "PATH=" + strings.Join(l, ":")
	}
	tests := []struct {
		name   string
		file   string
		env    []string
		want   string // a path, or "126"/"127"
		errMsg string // in the error, for 126/127
	}{
		{"in the command's PATH", "prog", []string{path("bin1")}, dir("bin1/prog"), ""},
		{"first directory wins", "prog", []string{path("bin1", "bin2")}, dir("bin1/prog"), ""},
		{"not secretenv's own PATH", "sh", []string{path("empty")}, "127", `exec: "sh": executable file not found in $PATH`},
		{"first PATH entry counts", "prog", []string{path("bin1"), path("empty")}, dir("bin1/prog"), ""},
		{"not executable, passed over", "prog", []string{path("noexec", "bin2")}, dir("bin2/prog"), ""},
		{"directory, passed over", "prog", []string{path("dirs", "bin2")}, dir("bin2/prog"), ""},
		{"not executable only", "prog", []string{path("noexec", "empty")}, "126", "noexec/prog: permission denied"},
		{"directory only", "prog", []string{path("empty", "dirs")}, "126", "dirs/prog: is a directory"},
		{"missing", "nope", []string{path("bin1", "noexec")}, "127", "executable file not found in $PATH"},
		{"file as a directory", "prog", []string{"PATH=" + dir("file")}, "127", "not found"},
		{"empty element is the current directory", "prog", []string{path("empty", "")}, "./prog", ""},
		{"leading empty element", "prog", []string{path("", "bin1")}, "./prog", ""},
		{"empty PATH is the current directory", "prog", []string{"PATH="}, "./prog", ""},
		{"slash: as is", dir("bin1/prog"), []string{path("empty")}, dir("bin1/prog"), ""},
		{"slash: relative", "./prog", nil, "./prog", ""},
		{"slash: missing", "./nope", []string{path("bin1")}, "127", `exec: "./nope": no such file or directory`},
		{"slash: not executable", dir("noexec/prog"), nil, "126", "permission denied"},
		{"slash: directory", dir("dirs/prog"), nil, "126", "is a directory"},
		{"slash: not a directory", dir("file") + "/x", nil, "126", "not a directory"},
		{"empty name", "", []string{path("bin1")}, "127", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LookPath(tt.file, tt.env)
			if tt.want != "126" && tt.want != "127" {
				if err != nil || got != tt.want {
					t.Errorf("LookPath(%q, %q) = %q, %v, want %q", tt.file, tt.env, got, err, tt.want)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("LookPath(%q, %q) = %q, %v, want an *Error", tt.file, tt.env, got, err)
			}
			if got := e.Status; got != atoi(t, tt.want) {
				t.Errorf("LookPath(%q) status = %d, want %s (%v)", tt.file, got, tt.want, err)
			}
			if !strings.Contains(err.Error(), tt.errMsg) || !strings.HasPrefix(err.Error(), "exec: ") {
				t.Errorf("LookPath(%q) error = %q, want it to contain %q", tt.file, err, tt.errMsg)
			}
		})
	}

	t.Run("no PATH: the default", func(t *testing.T) {
		got, err := LookPath("sh", []string{"HOME=/"})
		if err != nil || !slices.Contains(filepath.SplitList(DefaultPath), filepath.Dir(got)) {
			t.Errorf("LookPath(sh) without PATH = %q, %v, want a file in %s", got, err, DefaultPath)
		}
	})
}

// TestExecErrors runs Exec in the test process itself, where it can only
// fail: it must return the right *Error and leave the process as it was.
func TestExecErrors(t *testing.T) {
	root := tree(t, map[string]os.FileMode{
		"noexec":    0o644,
		"dir/":      0,
		"garbage":   0o755,
		"badinterp": 0o755,
	})
	os.WriteFile(filepath.Join(root, "garbage"), []byte("\x00\x01\x02 not a program"), 0o755)
	os.WriteFile(filepath.Join(root, "badinterp"), []byte("#!/nonexistent/interpreter\n"), 0o755)
	env := []string{"PATH=" + root}
	huge := slices.Clone(env)
	for i := 0; i < 70; i++ { // 70 × 100 kB: over any stack rlimit's limit
		huge = append(huge, "V"+strings.Repeat("x", 100000))
	}

	// A signal caught before Exec must still be caught after it fails.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)

	tests := []struct {
		name   string
		args   []string
		env    []string
		status int
		errMsg string
	}{
		{"no command", nil, env, 127, "no command"},
		{"not found", []string{"nope"}, env, 127, `exec: "nope": executable file not found in $PATH`},
		{"not executable", []string{"noexec"}, env, 126, "permission denied"},
		{"directory", []string{root + "/dir"}, env, 126, "is a directory"},
		{"unknown format", []string{"garbage"}, env, 126, "exec format error"},
		{"missing interpreter", []string{"badinterp"}, env, 126, "interpreter or dynamic loader"},
		{"too big", []string{"badinterp"}, huge, 126, "argument list too long"},
		{"NUL in an argument", []string{"garbage", "a\x00b"}, env, 126, "invalid argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Exec(tt.args, tt.env)
			var e *Error
			if !errors.As(err, &e) || e.Status != tt.status || !strings.Contains(err.Error(), tt.errMsg) {
				t.Fatalf("Exec(%q) = %v, want status %d and %q", tt.args, err, tt.status, tt.errMsg)
			}
			if strings.Contains(err.Error(), "xxxx") {
				t.Errorf("error quotes the environment: %.100q", err)
			}
			syscall.Kill(os.Getpid(), syscall.SIGUSR1)
			select {
			case <-usr1:
			case <-time.After(10 * time.Second):
				t.Fatal("SIGUSR1 no longer caught after a failed Exec")
			}
		})
	}
}

// TestCheckArgs: Exec and Supervise refuse, before execve, exactly what
// the kernel would.
func TestCheckArgs(t *testing.T) {
	lim := currentLimits()
	path := "/bin/true"
	args := []string{path, "--flag", strings.Repeat("a", 1000)}
	env := fill(t, lim, path, args)
	if err := checkArgs(path, args, env); err != nil {
		t.Errorf("checkArgs at the limit: %v", err)
	}
	env[len(env)-1] += "x"
	if err := checkArgs(path, args, env); !errors.Is(err, syscall.E2BIG) {
		t.Errorf("checkArgs one byte over the limit: %v, want E2BIG", err)
	}
	long := strings.Repeat("a", lim.strlen)
	for _, tt := range []struct {
		args, env []string
		want      string
	}{
		{[]string{path, long[1:]}, nil, ""},
		{[]string{path, long}, nil, fmt.Sprintf("an argument is %d bytes", lim.strlen)},
		{[]string{path}, []string{"BIG=" + long[5:]}, ""},
		{[]string{path}, []string{"BIG=" + long[4:]}, fmt.Sprintf("BIG is %d bytes", lim.strlen)},
	} {
		err := checkArgs(path, tt.args, tt.env)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("checkArgs(%.20q..., %.20q...) = %v, want %q", tt.args[len(tt.args)-1], tt.env, err, tt.want)
		}
	}
}

// childPath puts the test binary in a new directory under a name no PATH
// holds, and returns that directory.
func childPath(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(os.Args[0], filepath.Join(dir, "secretenv-test-child")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeEnv(t *testing.T, env []string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(f, []byte(strings.Join(env, "\x00")), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestExec checks that the command replaces the process (same PID), is
// found in the PATH of the environment given, and gets exactly that
// environment: order, duplicates and odd values included.
func TestExec(t *testing.T) {
	bin := childPath(t)
	out := filepath.Join(t.TempDir(), "out")
	env := []string{
		helperEnv + "=1", "GORACE=atexit_sleep_ms=0",
		"PATH=" + bin,
		"B=2", "A=1", "B=again",
		"PEM=-----BEGIN-----\nMIIB\n-----END-----\n",
		"EQ=a=b==",
		"U=pässwörd 🔑",
		"EMPTY=",
	}
	h := startHelper(t, helperOpts{}, "exec", writeEnv(t, env), "secretenv-test-child", "print-env", out)
	if d := field(t, h.expect("exec dumpable="), "dumpable"); d != "0" {
		t.Errorf("secretenv dumpable = %s, want 0", d)
	}
	if pid := atoi(t, field(t, h.expect("child pid="), "pid")); pid != h.cmd.Process.Pid {
		t.Errorf("command ran as PID %d, want secretenv's own, %d", pid, h.cmd.Process.Pid)
	}
	if got := h.wait(); got != 0 {
		t.Fatalf("exit status = %d, want 0; output:\n%s", got, h.out)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(string(b), "\x00"); !slices.Equal(got, env) {
		t.Errorf("command's environment = %q, want %q", got, env)
	}
}

// TestExecCleanState: the command starts with every signal at its default
// disposition and none blocked, whatever secretenv did, and may dump core.
func TestExecCleanState(t *testing.T) {
	h := startHelper(t, helperOpts{}, "exec", writeEnv(t, []string{"PATH=" + os.Getenv("PATH")}), "cat", "/proc/self/status")
	h.expect("exec dumpable=0")
	if got := h.wait(); got != 0 {
		t.Fatalf("exit status = %d, want 0; output:\n%s", got, h.out)
	}
	status := h.out.String()
	for key, want := range map[string]string{"SigBlk": "0000000000000000", "SigIgn": "0000000000000000", "SigCgt": "0000000000000000"} {
		if got := statusField(status, key); got != want {
			t.Errorf("command's %s = %q, want %q", key, got, want)
		}
	}

	bin := childPath(t)
	h = startHelper(t, helperOpts{}, "exec", writeEnv(t, []string{helperEnv + "=1", "GORACE=atexit_sleep_ms=0", "PATH=" + bin}), "secretenv-test-child", "dumpable")
	h.expect("exec dumpable=0")
	if d := field(t, h.expect("child dumpable="), "dumpable"); d != "1" {
		t.Errorf("command dumpable = %s, want 1", d)
	}
	h.wait()
}

func init() {
	helpers["exit"] = helperExit
	helpers["die"] = helperDie
	helpers["print-env"] = helperPrintEnv
	helpers["dumpable"] = helperDumpable
	helpers["exec"] = helperExec
}

// helperExit exits with the status args[0].
func helperExit(args []string) int {
	n, _ := strconv.Atoi(args[0])
	return n
}

// helperDie kills itself with the signal numbered args[0], at its default
// action.
func helperDie(args []string) int {
	n, _ := strconv.Atoi(args[0])
	runtime.LockOSThread()
	cleanSignals()
	syscall.Kill(os.Getpid(), syscall.Signal(n))
	select {}
}

// helperPrintEnv writes the environment it was given, NUL-separated, to the
// file args[0]. It reads /proc/self/environ: Go's os.Environ drops
// duplicates.
func helperPrintEnv(args []string) int {
	report("child pid=%d", os.Getpid())
	env, err := os.ReadFile("/proc/self/environ")
	if err == nil {
		err = os.WriteFile(args[0], bytes.TrimSuffix(env, []byte{0}), 0o600)
	}
	if err != nil {
		report("child error %v", err)
		return 1
	}
	return 0
}

func helperDumpable([]string) int {
	d, err := dumpable()
	report("child dumpable=%d err=%v", d, err)
	return 0
}

// helperExec is secretenv in exec mode, in a state the command must not
// inherit: core dumps off, SIGTERM and SIGHUP ignored, SIGINT caught,
// SIGUSR1 and SIGUSR2 blocked. args[0] is a file holding the command's
// environment, NUL-separated; the rest is the command.
func helperExec(args []string) int {
	b, err := os.ReadFile(args[0])
	if err != nil {
		report("exec error %v", err)
		return 125
	}
	env := strings.Split(string(b), "\x00")
	if len(b) == 0 {
		env = []string{}
	}
	DisableCoreDumps()
	signal.Ignore(syscall.SIGTERM, syscall.SIGHUP)
	signal.Notify(make(chan os.Signal, 1), syscall.SIGINT)
	runtime.LockOSThread() // Exec runs on this thread too
	blockSignal(syscall.SIGUSR1)
	blockSignal(syscall.SIGUSR2)
	d, _ := dumpable()
	report("exec dumpable=%d", d)
	err = Exec(args[1:], env)
	report("exec error %v", err)
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 125
}
