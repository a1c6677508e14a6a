package main

import (
	"errors"
	"os"
	osexec "os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secretenv/secretenv/internal/awsfake"
)

// TestMode observes through /proc how the command runs: auto supervises when
// secretenv is PID 1 (the command is its child) and execs otherwise (the
// command has secretenv's PID).
func TestMode(t *testing.T) {
	fake := awsfake.Start()
	defer fake.Close()
	fake.PutParameter(awsfake.Parameter{Name: "/p", Value: "v"})
	// The command prints its PID, its parent's PID and PID 1's name.
	report := []string{"--", "/bin/sh", "-c", `read -r _ _ _ ppid _ < /proc/$$/stat; echo "$$ $ppid $(cat /proc/1/comm) $P"`}

	run := func(t *testing.T, pid1 bool, mode string) (self, pid, ppid int, init string) {
		t.Helper()
		cmd := secretenvCmd(fake, report...)
		if pid1 {
			if os.Geteuid() != 0 {
				t.Skip("needs root for a PID namespace (CI runs as root)")
			}
			unshare, err := osexec.LookPath("unshare")
			if err != nil {
				t.Skip("no unshare")
			}
			cmd.Args = append([]string{unshare, "--pid", "--fork", "--mount-proc", os.Args[0]}, report...)
			cmd.Path = unshare
		}
		cmd.Env = append(cmd.Env, "P=ssm:/p")
		if mode != "" {
			cmd.Env = append(cmd.Env, "SECRETENV_MODE="+mode)
		}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%v: %v", cmd.Args, err)
		}
		f := strings.Fields(string(out))
		if len(f) != 4 || f[3] != "v" {
			t.Fatalf("command printed %q, want PID, PPID, PID 1's name and the value", out)
		}
		pid, _ = strconv.Atoi(f[0])
		ppid, _ = strconv.Atoi(f[1])
		return cmd.Process.Pid, pid, ppid, f[2]
	}

	t.Run("auto as PID 1 supervises", func(t *testing.T) {
		_, pid, ppid, init := run(t, true, "")
		if pid == 1 || ppid != 1 || init == "sh" {
			t.Errorf("command PID %d, parent %d, PID 1 is %q: want a child of PID 1, secretenv", pid, ppid, init)
		}
	})
	t.Run("exec as PID 1 execs", func(t *testing.T) {
		_, pid, _, init := run(t, true, "exec")
		if pid != 1 || init != "sh" {
			t.Errorf("command PID %d, PID 1 is %q: want the command as PID 1", pid, init)
		}
	})
	t.Run("auto otherwise execs", func(t *testing.T) {
		self, pid, _, _ := run(t, false, "")
		if pid != self {
			t.Errorf("command PID %d, secretenv's %d: want the same process", pid, self)
		}
	})
	t.Run("supervise otherwise supervises", func(t *testing.T) {
		self, pid, ppid, _ := run(t, false, "supervise")
		if pid == self || ppid != self {
			t.Errorf("command PID %d, parent %d, secretenv's %d: want secretenv's child", pid, ppid, self)
		}
	})
}

// TestPID1Stop is docker stop against secretenv as PID 1: SIGTERM reaches a
// command that traps it, and its status comes back; a command without a
// handler, which as PID 1 itself would ignore SIGTERM, dies of it: 128+15.
func TestPID1Stop(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a PID namespace (CI runs as root)")
	}
	unshare, err := osexec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare")
	}
	fake := awsfake.Start()
	defer fake.Close()
	fake.PutParameter(awsfake.Parameter{Name: "/p", Value: "v"})
	for _, tt := range []struct {
		name, script string
		want         int
	}{
		{"trapped", `trap 'exit 42' TERM; touch "$READY"; while :; do sleep 0.05; done`, 42},
		{"no handler", `touch "$READY"; exec sleep 30`, 128 + 15},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ready := t.TempDir() + "/ready"
			cmd := secretenvCmd(fake)
			cmd.Path = unshare
			cmd.Args = []string{unshare, "--pid", "--fork", "--mount-proc", os.Args[0], "--", "/bin/sh", "-c", tt.script}
			cmd.Env = append(cmd.Env, "P=ssm:/p", "READY="+ready)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()

			// secretenv is unshare's child; the command says when it is ready.
			var pid1 int
			deadline := time.Now().Add(10 * time.Second)
			for {
				if b, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/task/" + strconv.Itoa(cmd.Process.Pid) + "/children"); err == nil {
					pid1, _ = strconv.Atoi(strings.TrimSpace(string(b)))
				}
				if _, err := os.Stat(ready); err == nil && pid1 != 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the command never became ready")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := syscall.Kill(pid1, syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("SIGTERM to secretenv as PID 1 did not stop the command")
			}
			var ee *osexec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tt.want {
				t.Errorf("exit = %v, want %d", err, tt.want)
			}
		})
	}
}
