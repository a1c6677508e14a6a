package main

import (
	"bytes"
	"errors"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secretenv/secretenv/internal/awsfake"
)

// TestSignalWhileResolving: SIGTERM or SIGINT while references are being
// resolved stops at once, starts nothing, and exits 128+N.
func TestSignalWhileResolving(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			fake := awsfake.Start()
			defer fake.Close()
			fake.PutParameter(awsfake.Parameter{Name: "/p", Value: "v"})
			fake.Inject(awsfake.Fault{Action: "GetParameters", Kind: awsfake.Hang})

			marker := filepath.Join(t.TempDir(), "started")
			cmd := secretenvCmd(fake, "--", "/bin/sh", "-c", "touch "+marker)
			cmd.Env = append(cmd.Env, "SECRETENV_TIMEOUT=60s", "P=ssm:/p")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()

			// Wait until the request hangs at the fake, then signal.
			deadline := time.Now().Add(10 * time.Second)
			for fake.Count("GetParameters") == 0 {
				if time.Now().After(deadline) {
					t.Fatal("secretenv never called GetParameters")
				}
				time.Sleep(5 * time.Millisecond)
			}
			sent := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			stopped := time.Since(sent)

			var ee *osexec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 128+int(sig) {
				t.Errorf("secretenv exited with %v, want status %d", err, 128+int(sig))
			}
			if stopped > 2*time.Second {
				t.Errorf("secretenv took %v to stop after %v, want at once", stopped, sig)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("the command was started")
			}
			if !strings.Contains(stderr.String(), "the command was not started") {
				t.Errorf("stderr = %q, want it to say the command was not started", stderr.String())
			}
		})
	}
}
