package main

import (
	"fmt"
	"os"
	osexec "os/exec"
	"strings"
	"testing"
	"time"

	"github.com/secretenv/secretenv/internal/awsfake"
)

// secretenvCmd returns the test binary set up to run as secretenv against
// fake, with static credentials and nothing from the machine's AWS config.
func secretenvCmd(fake *awsfake.Server, args ...string) *osexec.Cmd {
	cmd := osexec.Command(os.Args[0], args...)
	cmd.Env = []string{
		testAsSecretenv + "=1",
		"PATH=" + os.Getenv("PATH"),
		"AWS_ENDPOINT_URL=" + fake.URL,
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDTEST",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/nonexistent",
		"AWS_SHARED_CREDENTIALS_FILE=/nonexistent",
	}
	return cmd
}

// TestEndToEnd80 runs secretenv as a process with 50 SSM and 30 Secrets
// Manager references against the fake at 10ms a request: 7 calls (5
// GetParameters, 2 BatchGetSecretValue), all in flight together.
func TestEndToEnd80(t *testing.T) {
	const latency = 10 * time.Millisecond
	fake := awsfake.Start(awsfake.Latency(latency))
	defer fake.Close()
	cmd := secretenvCmd(fake, "--", "/bin/sh", "-c", "env")
	want := map[string]string{}
	for i := 0; i < 50; i++ {
		fake.PutParameter(awsfake.Parameter{Name: fmt.Sprintf("/app/p%02d", i), Value: fmt.Sprintf("ssm-value-%d", i), Type: "SecureString"})
		cmd.Env = append(cmd.Env, fmt.Sprintf("P%02d=ssm:/app/p%02d", i, i))
		want[fmt.Sprintf("P%02d", i)] = fmt.Sprintf("ssm-value-%d", i)
	}
	for i := 0; i < 30; i++ {
		fake.PutSecret(awsfake.Secret{Name: fmt.Sprintf("app/s%02d", i), String: fmt.Sprintf(`{"password":"sm-value-%d"}`, i)})
		cmd.Env = append(cmd.Env, fmt.Sprintf("S%02d=secretsmanager:app/s%02d:password", i, i))
		want[fmt.Sprintf("S%02d", i)] = fmt.Sprintf("sm-value-%d", i)
	}
	start := time.Now()
	out, err := cmd.Output()
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("secretenv: %v", err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			got[k] = v
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	counts := map[string]int{}
	for _, c := range fake.Calls() {
		counts[c.Action]++
	}
	t.Logf("50 SSM + 30 Secrets Manager references: %d calls %v; process wall time %v (fake latency %v)",
		len(fake.Calls()), counts, elapsed.Round(time.Millisecond), latency)
	if len(fake.Calls()) != 7 || counts["GetParameters"] != 5 || counts["BatchGetSecretValue"] != 2 {
		t.Errorf("calls = %v, want 5 GetParameters and 2 BatchGetSecretValue", counts)
	}
	if !awsfake.Overlapping(fake.Calls()) {
		t.Errorf("the 7 calls were not all in flight together: one round trip, not several")
	}
}
