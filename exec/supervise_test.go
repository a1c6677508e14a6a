//go:build linux

package exec

import (
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

func init() {
	helpers["trap-term"] = helperTrapTerm
	helpers["ignore-term"] = helperIgnoreTerm
	helpers["count-int"] = helperCountInt
	helpers["echo-signals"] = helperEchoSignals
	helpers["orphan"] = helperOrphan
	helpers["spawn-orphan"] = helperSpawnOrphan
	helpers["supervise"] = helperSupervise
}

// helperTrapTerm exits 42 on SIGTERM.
func helperTrapTerm([]string) int {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	report("child ready pid=%d", os.Getpid())
	<-c
	report("child got SIGTERM")
	return 42
}

// helperIgnoreTerm ignores SIGTERM and exits 7 on SIGUSR1.
func helperIgnoreTerm([]string) int {
	signal.Ignore(syscall.SIGTERM)
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	report("child ready pid=%d", os.Getpid())
	<-c
	return 7
}

// helperCountInt counts SIGINTs until SIGUSR1, then reports the count.
func helperCountInt([]string) int {
	c := make(chan os.Signal, 16)
	signal.Notify(c, syscall.SIGINT, syscall.SIGUSR1)
	report("child ready pid=%d pgrp=%d", os.Getpid(), syscall.Getpgrp())
	n := 0
	for s := range c {
		if s == syscall.SIGUSR1 {
			break
		}
		n++
		report("child SIGINT %d", n)
	}
	report("child SIGINTs=%d", n)
	return 0
}

// helperEchoSignals reports every signal secretenv forwards, until
// SIGTERM.
func helperEchoSignals([]string) int {
	c := make(chan os.Signal, 100)
	signal.Notify(c, caught...)
	report("child ready pid=%d", os.Getpid())
	for s := range c {
		if s == syscall.SIGTERM {
			break
		}
		report("child got %d", s)
	}
	return 0
}

// helperOrphan leaves an orphan that exits, waits until its init has
// reaped it, and reports the zombies left in the PID namespace.
func helperOrphan([]string) int {
	cmd := osexec.Command(os.Args[0], "spawn-orphan")
	out, err := cmd.Output()
	if err != nil {
		report("child error %v", err)
		return 1
	}
	orphan, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", orphan)); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			st, _ := procState(orphan)
			report("child orphan %d not reaped: state %c", orphan, st)
			return 1
		}
		time.Sleep(5 * time.Millisecond)
	}
	report("child orphan=%d reaped zombies=%s", orphan, strings.Join(zombies(), ","))
	return 0
}

// helperSpawnOrphan starts a child that exits at once, prints its PID and
// exits without waiting for it.
func helperSpawnOrphan([]string) int {
	p, err := os.StartProcess(os.Args[0], []string{os.Args[0], "exit", "0"}, &os.ProcAttr{})
	if err != nil {
		return 1
	}
	fmt.Println(p.Pid)
	return 0 // without waiting: the grandchild is orphaned
}

// helperSupervise is secretenv in supervise mode: it runs Supervise(args)
// with its own environment. In a new mount namespace (PID 1 tests) it
// first mounts the namespace's /proc.
func helperSupervise(args []string) int {
	if os.Getenv("SECRETENV_TEST_MOUNT_PROC") == "1" {
		if err := mountProc(); err != nil {
			report("sup error mount: %v", err)
			return 125
		}
	}
	if err := DisableCoreDumps(); err != nil {
		report("sup error %v", err)
	}
	// Ignored here, as a careless main might: the command must still
	// get them at their default.
	signal.Ignore(syscall.SIGHUP, syscall.SIGTTOU)
	d, _ := dumpable()
	report("sup pid=%d pid1=%t dumpable=%d pgrp=%d", os.Getpid(), IsPID1(), d, syscall.Getpgrp())
	env := os.Environ()
	status, err := Supervise(args, env, Options{
		Started:           func(pid int) { report("sup started %d", pid) },
		testOnlyForwarded: func(sig syscall.Signal) { report("sup forwarded %d", int(sig)) },
	})
	fg := -1
	if tty, err := syscall.Open("/dev/tty", syscall.O_RDONLY|syscall.O_CLOEXEC, 0); err == nil {
		fg, _ = tcgetpgrp(tty)
		syscall.Close(tty)
	}
	cleared := true
	for _, kv := range env {
		cleared = cleared && kv == ""
	}
	report("sup status=%d err=%v fg=%d envcleared=%t", status, err, fg, cleared)
	return status
}

func mountProc() error {
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return err
	}
	return syscall.Mount("proc", "/proc", "proc", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, "")
}

// TestSuperviseStatuses runs Supervise in the test process: every exit
// status passes through, as in tini's tests.
func TestSuperviseStatuses(t *testing.T) {
	for n := 0; n <= 255; n++ {
		status, err := Supervise([]string{os.Args[0], "exit", strconv.Itoa(n)}, helperEnviron(), Options{})
		if err != nil || status != n {
			t.Errorf("Supervise(exit %d) = %d, %v, want %d", n, status, err, n)
		}
	}
}

func TestSuperviseSignalDeaths(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGKILL} {
		status, err := Supervise([]string{os.Args[0], "die", strconv.Itoa(int(sig))}, helperEnviron(), Options{})
		if want := 128 + int(sig); err != nil || status != want {
			t.Errorf("Supervise(killed by %v) = %d, %v, want %d", sig, status, err, want)
		}
	}
}

func TestSuperviseStartErrors(t *testing.T) {
	root := tree(t, map[string]os.FileMode{"noexec": 0o644, "dir/": 0, "garbage": 0o755})
	os.WriteFile(filepath.Join(root, "garbage"), []byte("\x00\x01\x02 not a program"), 0o755)
	env := []string{"PATH=" + root}
	for _, tt := range []struct {
		args   []string
		status int
		errMsg string
	}{
		{nil, 127, "no command"},
		{[]string{"nope"}, 127, `exec: "nope": executable file not found in $PATH`},
		{[]string{"noexec"}, 126, "permission denied"},
		{[]string{root + "/dir"}, 126, "is a directory"},
		{[]string{"garbage"}, 126, "exec format error"},
	} {
		status, err := Supervise(tt.args, env, Options{})
		var e *Error
		if !errors.As(err, &e) || e.Status != tt.status || status != tt.status || !strings.Contains(err.Error(), tt.errMsg) {
			t.Errorf("Supervise(%q) = %d, %v, want %d and %q", tt.args, status, err, tt.status, tt.errMsg)
		}
	}
}

// TestSuperviseEnviron: the command gets exactly env, found in its PATH,
// and Supervise lets go of env once the command has started.
func TestSuperviseEnviron(t *testing.T) {
	bin := childPath(t)
	out := filepath.Join(t.TempDir(), "out")
	want := []string{helperEnv + "=1", "GORACE=atexit_sleep_ms=0", "PATH=" + bin, "B=2", "A=1", "B=again", "PEM=a\nb\n", "EQ=a=b==", "U=pässwörd 🔑", "EMPTY="}
	env := slices.Clone(want)
	started := 0
	status, err := Supervise([]string{"secretenv-test-child", "print-env", out}, env, Options{
		Started: func(pid int) { started = pid },
	})
	if err != nil || status != 0 {
		t.Fatalf("Supervise() = %d, %v, want 0", status, err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(string(b), "\x00"); !slices.Equal(got, want) {
		t.Errorf("command's environment = %q, want %q", got, want)
	}
	if started <= 0 {
		t.Errorf("Options.Started got PID %d", started)
	}
	for i, kv := range env {
		if kv != "" {
			t.Errorf("env[%d] = %q after Supervise, want it cleared", i, kv)
		}
	}
}

// supervisor starts the test binary as secretenv in supervise mode, PID 1
// of new PID and mount namespaces if pid1, running the helper args.
func supervisor(t *testing.T, pid1 bool, args ...string) (h *helper, sup string) {
	t.Helper()
	if pid1 {
		needRoot(t)
	}
	h = startHelper(t, helperOpts{pid1: pid1}, append([]string{"supervise", os.Args[0]}, args...)...)
	sup = h.expect("sup pid=")
	if got, want := field(t, sup, "pid1"), strconv.FormatBool(pid1); got != want {
		t.Errorf("IsPID1() = %s, want %s", got, want)
	}
	return h, sup
}

func bothModes(t *testing.T, f func(t *testing.T, pid1 bool)) {
	t.Run("pid1", func(t *testing.T) { f(t, true) })
	t.Run("child", func(t *testing.T) { f(t, false) })
}

// TestSuperviseForwardsTerm is docker stop: SIGTERM to secretenv reaches a
// command that traps it, and the command's status comes back.
func TestSuperviseForwardsTerm(t *testing.T) {
	bothModes(t, func(t *testing.T, pid1 bool) {
		h, _ := supervisor(t, pid1, "trap-term")
		h.expect("child ready")
		h.signal(syscall.SIGTERM)
		h.expect("child got SIGTERM")
		if got := h.wait(); got != 42 {
			t.Errorf("exit status = %d, want the command's 42", got)
		}
	})
}

// TestSuperviseIgnoredTerm: a command that ignores SIGTERM keeps running;
// that is its choice, and secretenv waits for it.
func TestSuperviseIgnoredTerm(t *testing.T) {
	bothModes(t, func(t *testing.T, pid1 bool) {
		h, _ := supervisor(t, pid1, "ignore-term")
		h.expect("child ready")
		h.signal(syscall.SIGTERM)
		h.expect(fmt.Sprintf("sup forwarded %d", syscall.SIGTERM))
		// kill(2) has returned: had SIGTERM killed the command, SIGUSR1
		// would find it gone and the status would be 143.
		h.signal(syscall.SIGUSR1)
		if got := h.wait(); got != 7 {
			t.Errorf("exit status = %d, want the command's 7", got)
		}
	})
}

// TestSupervisePID1Statuses: statuses and signal deaths as PID 1.
func TestSupervisePID1Statuses(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want int
	}{
		{[]string{"exit", "0"}, 0},
		{[]string{"exit", "3"}, 3},
		{[]string{"exit", "255"}, 255},
		{[]string{"die", "15"}, 143},
		{[]string{"die", "9"}, 137},
	} {
		h, _ := supervisor(t, true, tt.args...)
		if got := h.wait(); got != tt.want {
			t.Errorf("PID 1 supervising %q: exit status %d, want %d", tt.args, got, tt.want)
		}
	}
}

// TestSuperviseReapsOrphans: as PID 1, secretenv reaps an orphaned
// grandchild, and no zombie is left in the namespace.
func TestSuperviseReapsOrphans(t *testing.T) {
	h, _ := supervisor(t, true, "orphan")
	l := h.expect("child orphan")
	if !strings.Contains(l, "reaped") || field(t, l, "zombies") != "none" {
		t.Errorf("%s, want the orphan reaped and no zombies", l)
	}
	if got := h.wait(); got != 0 {
		t.Errorf("exit status = %d, want 0", got)
	}
}

// TestSuperviseForwards: every signal that can be caught reaches the
// command, and none stops or kills secretenv.
func TestSuperviseForwards(t *testing.T) {
	bothModes(t, func(t *testing.T, pid1 bool) {
		h, _ := supervisor(t, pid1, "echo-signals")
		h.expect("child ready")
		for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1,
			syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGCONT, syscall.SIGALRM, syscall.SIGPIPE, syscall.SIGABRT,
			syscall.SIGPWR, syscall.SIGTSTP, 35, 50, 64} {
			h.signal(sig)
			h.expect(fmt.Sprintf("child got %d", sig))
		}
		h.signal(syscall.SIGTERM)
		if got := h.wait(); got != 0 {
			t.Errorf("exit status = %d, want 0", got)
		}
	})
}

// TestSuperviseJobControl: SIGTSTP, SIGTTIN and SIGTTOU never stop
// secretenv. SIGTSTP is forwarded; SIGTTIN and SIGTTOU are not.
func TestSuperviseJobControl(t *testing.T) {
	bothModes(t, func(t *testing.T, pid1 bool) {
		h, _ := supervisor(t, pid1, "echo-signals")
		h.expect("child ready")
		h.signal(syscall.SIGTSTP)
		h.expect(fmt.Sprintf("child got %d", syscall.SIGTSTP))
		// Pending signals are taken lowest first: SIGWINCH (28) comes
		// after SIGTTIN (21) and SIGTTOU (22), and could not be forwarded
		// by a secretenv they had stopped.
		h.signal(syscall.SIGTTIN)
		h.signal(syscall.SIGTTOU)
		h.signal(syscall.SIGWINCH)
		h.expect(fmt.Sprintf("child got %d", syscall.SIGWINCH))
		if st, err := procState(h.cmd.Process.Pid); err != nil || st == 'T' || st == 't' {
			t.Errorf("secretenv's state = %c, %v, want not stopped", st, err)
		}
		h.signal(syscall.SIGTERM)
		if got := h.wait(); got != 0 {
			t.Errorf("exit status = %d, want 0", got)
		}
		for _, l := range h.rest() {
			for _, sig := range []syscall.Signal{syscall.SIGTTIN, syscall.SIGTTOU} {
				if l == fmt.Sprintf("sup forwarded %d", sig) || l == fmt.Sprintf("child got %d", sig) {
					t.Errorf("%s: SIGTTIN and SIGTTOU are secretenv's own", l)
				}
			}
		}
	})
}

// TestSuperviseCoreDumps: secretenv cannot dump core, the command can.
func TestSuperviseCoreDumps(t *testing.T) {
	h, sup := supervisor(t, false, "dumpable")
	if got := field(t, sup, "dumpable"); got != "0" {
		t.Errorf("secretenv dumpable = %s, want 0", got)
	}
	if got := field(t, h.expect("child dumpable="), "dumpable"); got != "1" {
		t.Errorf("command dumpable = %s, want 1", got)
	}
	h.wait()
}

// TestSuperviseCleanState: the command starts with every signal at its
// default and none blocked, though secretenv ignored SIGHUP and SIGTTOU
// and caught everything; secretenv lets go of its environment.
func TestSuperviseCleanState(t *testing.T) {
	h := startHelper(t, helperOpts{}, "supervise", "cat", "/proc/self/status")
	if got := h.wait(); got != 0 {
		t.Fatalf("exit status = %d, want 0; output:\n%s", got, h.out)
	}
	status := h.out.String()
	for _, key := range []string{"SigBlk", "SigIgn", "SigCgt"} {
		if got := statusField(status, key); got != "0000000000000000" {
			t.Errorf("command's %s = %q, want none", key, got)
		}
	}
	l := h.expect("sup status=")
	if field(t, l, "envcleared") != "true" {
		t.Errorf("%s: want env cleared", l)
	}
}

// openPTY opens a new pseudo-terminal: its master, and its slave as a file.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	fd, err := syscall.Open("/dev/ptmx", syscall.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx")
	t.Cleanup(func() { master.Close() })
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlockpt: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatalf("ptsname: %v", e)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	go io.Copy(io.Discard, master) // echo, ^C
	return master, slave
}

// TestSuperviseCtrlC is docker run -it: Ctrl-C at the terminal reaches the
// command exactly once, and the terminal comes back to secretenv after.
func TestSuperviseCtrlC(t *testing.T) {
	master, slave := openPTY(t)
	h := startHelper(t, helperOpts{stdio: slave, setsid: true}, "supervise", os.Args[0], "count-int")
	supPgrp := field(t, h.expect("sup pid="), "pgrp")
	ready := h.expect("child ready")
	pgrp := field(t, ready, "pgrp")
	if pgrp != field(t, ready, "pid") || pgrp == supPgrp {
		t.Errorf("%s: want the command in a process group of its own, not %s", ready, supPgrp)
	}
	fg, err := tcgetpgrp(int(master.Fd()))
	if err != nil || strconv.Itoa(fg) != pgrp {
		t.Errorf("terminal's foreground group = %d, %v, want the command's %s", fg, err, pgrp)
	}

	if _, err := master.Write([]byte{3}); err != nil { // ^C
		t.Fatal(err)
	}
	h.expect("child SIGINT 1")
	h.signal(syscall.SIGUSR1) // forwarded after any SIGINT secretenv got
	if got := field(t, h.expect("child SIGINTs="), "SIGINTs"); got != "1" {
		t.Errorf("command got %s SIGINTs, want 1", got)
	}
	if got := h.wait(); got != 0 {
		t.Errorf("exit status = %d, want 0", got)
	}
	for _, l := range h.rest() {
		if l == fmt.Sprintf("sup forwarded %d", syscall.SIGINT) {
			t.Errorf("secretenv forwarded a SIGINT: it must never see the terminal's")
		}
		if strings.HasPrefix(l, "sup status=") && field(t, l, "fg") != supPgrp {
			t.Errorf("%s: want the terminal back in secretenv's group %s", l, supPgrp)
		}
	}
}

// TestSuperviseNoTerminal: without a controlling terminal nothing is
// handed over, and the command still gets a process group of its own.
func TestSuperviseNoTerminal(t *testing.T) {
	cmd := osexec.Command(os.Args[0], "supervise", os.Args[0], "exit", "0")
	cmd.Env = helperEnviron()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no terminal at all
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("supervise without a terminal: %v\n%s", err, out)
	}
}

// TestSuperviseCaught: what Supervise catches, and so forwards or drops.
func TestSuperviseCaught(t *testing.T) {
	for _, s := range caught {
		sig := s.(syscall.Signal)
		switch sig {
		case syscall.SIGCHLD, syscall.SIGURG, syscall.SIGKILL, syscall.SIGSTOP, 32, 33, 34:
			t.Errorf("caught holds %v", sig)
		}
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGCONT, syscall.SIGALRM, syscall.SIGPIPE,
		syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGABRT, syscall.SIGPWR, 35, 64} {
		if !slices.Contains(caught, os.Signal(sig)) {
			t.Errorf("caught lacks %v", sig)
		}
	}
}
